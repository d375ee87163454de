"""Whether the documents answer a question at all, and how likely each citation is to be the answer.

Two logistic models over the same features: of the fused score distribution (the candidate's score, its z-score
among the sentences searched, its margin over the best other sentence), whether the question is in another
language than the candidate's document (cross-lingual scores run lower), how many sentences were searched (a
z-score means more among many), and each channel's own evidence: how much of the question's sparse vector the
candidate and the best sentence cover, the candidate's and the best dense cosine, and whether any of the
question's words (or names) occur in the sentences searched at all. One model estimates whether the question is
answerable at all: `answered`. The other estimates whether this citation answers it: `confidence` and each
citation's relevance. Both are fitted on the dev documents (benchmarks/fit_abstention.py), for one model and one
set of channels; stored in qa/data/abstention.json. The fit is checked by leaving one document out at a time, so
that it transfers to documents it never saw.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

CALIBRATION = Path(__file__).resolve().parent.parent / "data" / "abstention.json"
FEATURES = ("score", "z", "margin", "cross_lingual", "log_rows", "sparse", "sparse_best", "sparse_best_z", "dense",
            "dense_best", "lexical_any", "lexical_best")  # fmt: skip
STRONG = 0.6  # a citation at least this likely to be the answer is shown as a strong match
MODERATE = 0.3


@dataclass(frozen=True)
class Scores:
    """Every searched sentence's fused score, and each channel's own scores of them (a channel that is off or
    absent is missing from `evidence`)."""

    fused: np.ndarray
    evidence: Mapping[str, np.ndarray]
    # what fusion added to rank across scripts (fusion.OTHER_SCRIPT): not evidence that a sentence answers
    prior: np.ndarray | float = 0.0

    def rows(self, start: int, stop: int) -> Scores:
        prior = self.prior[start:stop] if isinstance(self.prior, np.ndarray) else self.prior
        return Scores(self.fused[start:stop], {k: v[start:stop] for k, v in self.evidence.items()}, prior)

    def with_fused(self, fused: np.ndarray) -> Scores:
        """The same evidence under another fused ranking (a conversation's reading of the question)."""
        return Scores(fused, self.evidence, self.prior)


def features(scores: Scores, position: int, cross_lingual: bool) -> list[float]:
    """The features of the candidate at `position` among the sentences searched."""
    fused = scores.fused - scores.prior
    score = float(fused[position])
    spread = float(fused.std()) or 1.0
    others = np.delete(fused, position)
    margin = score - float(others.max()) if len(others) else 0.0
    out = [score, (score - float(fused.mean())) / spread, margin, float(cross_lingual), math.log(len(fused))]
    sparse, dense, lexical = (scores.evidence.get(name) for name in ("sparse", "dense", "lexical"))
    if sparse is not None:
        best = float(sparse.max())
        out += [float(sparse[position]), best, (best - float(sparse.mean())) / (float(sparse.std()) or 1.0)]
    else:
        out += [0.0, 0.0, 0.0]
    out += [float(dense[position]), float(dense.max())] if dense is not None else [0.0, 0.0]
    best = float(lexical.max()) if lexical is not None else 0.0
    return out + [float(best > 0), math.log1p(best)]


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
    def for_model(cls, model_id: str, channels: Iterable[str]) -> Abstention:
        """The fit for this model and exactly these channels (each changes the features), or the fallback."""
        return _calibrations().get(fit_key(model_id, channels), FALLBACK)

    def answers(self, scores: Scores, position: int, cross_lingual: bool) -> bool:
        return self.answerable(features(scores, position, cross_lingual)) >= self.threshold

    def probability(self, scores: Scores, position: int, cross_lingual: bool) -> float:
        """How likely the sentence at `position` among `scores` answers the question."""
        return self.correct(features(scores, position, cross_lingual))

    @staticmethod
    def relevance(probability: float, answered: bool) -> str:
        if not answered or probability < MODERATE:
            return "weak"
        return "strong" if probability >= STRONG else "moderate"


# Without a fit (another model): answer when the best sentence stands well above the rest (z ≥ 3).
_Z_RULE = Logistic(
    mean=tuple(3.0 if f == "z" else 0.0 for f in FEATURES),
    scale=tuple(0.5 if f == "z" else 1.0 for f in FEATURES),
    weights=tuple(1.0 if f == "z" else 0.0 for f in FEATURES),
    bias=0.0,
)
FALLBACK = Abstention(answerable=_Z_RULE, correct=_Z_RULE, threshold=0.5)


def fit_key(model_id: str, channels: Iterable[str]) -> str:
    """How abstention.json names the fit of a model with a set of channels."""
    return f"{model_id} [{' '.join(sorted(channels))}]"


@cache
def _calibrations() -> dict[str, Abstention]:
    try:
        data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    fits = {}
    for key, fit in data.items():
        if fit.get("features") != list(FEATURES):
            continue  # fitted on other features: the fallback is safer than a misread fit
        models = {
            name: Logistic(tuple(m["mean"]), tuple(m["scale"]), tuple(m["weights"]), m["bias"])
            for name, m in fit["models"].items()
        }
        fits[key] = Abstention(models["answerable"], models["correct"], fit["threshold"])
    return fits
