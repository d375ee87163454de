"""Whether the documents answer a question at all, and how likely each citation is to be the answer.

Two logistic models over the same features of the score distribution: the candidate's score, its z-score among
the sentences searched, its margin over the best other sentence, whether the question is in another language than
the candidate's document (cross-lingual scores run lower), and how many sentences were searched (a z-score means
more among many). One model estimates whether the question is answerable at all: `answered`. The other estimates
whether this citation answers it: `confidence` and each citation's relevance. Both are fitted on the dev
documents (benchmarks/fit_abstention.py), for one model; stored in qa/data/abstention.json. The fit is checked
by leaving one document out at a time, so that it transfers to documents it never saw.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

CALIBRATION = Path(__file__).resolve().parent.parent / "data" / "abstention.json"
FEATURES = ("score", "z", "margin", "cross_lingual", "log_rows")
STRONG = 0.6  # a citation at least this likely to be the answer is shown as a strong match
MODERATE = 0.3


def features(scores: np.ndarray, position: int, cross_lingual: bool) -> list[float]:
    """The features of the candidate at `position` in `scores` (the scores of every sentence searched)."""
    score = float(scores[position])
    spread = float(scores.std()) or 1.0
    others = np.delete(scores, position)
    margin = score - float(others.max()) if len(others) else 0.0
    return [score, (score - float(scores.mean())) / spread, margin, float(cross_lingual), math.log(len(scores))]


@dataclass(frozen=True)
class Logistic:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def __call__(self, x: list[float]) -> float:
        logit = self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


@dataclass(frozen=True)
class Abstention:
    answerable: Logistic  # P(some sentence answers the question)
    correct: Logistic  # P(this sentence answers it): calibrated, shown as `confidence`
    threshold: float  # answer when P(answerable) is at least this

    @classmethod
    def for_model(cls, model_id: str) -> Abstention:
        return _calibrations().get(model_id, FALLBACK)

    def answers(self, scores: np.ndarray, position: int, cross_lingual: bool) -> bool:
        return self.answerable(features(scores, position, cross_lingual)) >= self.threshold

    def probability(self, scores: np.ndarray, position: int, cross_lingual: bool) -> float:
        """How likely the sentence at `position` among `scores` answers the question."""
        return self.correct(features(scores, position, cross_lingual))

    @staticmethod
    def relevance(probability: float, answered: bool) -> str:
        if not answered or probability < MODERATE:
            return "weak"
        return "strong" if probability >= STRONG else "moderate"


# Without a fit (another model): answer when the best sentence stands well above the rest (z ≥ 3).
_Z_RULE = Logistic(mean=(0, 3, 0, 0, 0), scale=(1, 0.5, 1, 1, 1), weights=(0, 1, 0, 0, 0), bias=0.0)
FALLBACK = Abstention(answerable=_Z_RULE, correct=_Z_RULE, threshold=0.5)


@cache
def _calibrations() -> dict[str, Abstention]:
    try:
        data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    fits = {}
    for model_id, fit in data.items():
        if fit.get("features") != list(FEATURES):
            continue  # fitted on other features: the fallback is safer than a misread fit
        models = {
            name: Logistic(tuple(m["mean"]), tuple(m["scale"]), tuple(m["weights"]), m["bias"])
            for name, m in fit["models"].items()
        }
        fits[model_id] = Abstention(models["answerable"], models["correct"], fit["threshold"])
    return fits
