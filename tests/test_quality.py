"""Retrieval quality with the real bundled model on our question sets: per-language floors at what we measured.

The dev split is what the retriever was tuned on; the test split was never tuned on, only measured. A drop below
either floor is a regression. Figures and how each lever moved them: README, "Retrieval quality".
"""

from __future__ import annotations

import pytest

from qa.evaluate import evaluate, load_questions
from qa.retrieve import Retriever
from tests.conftest import DATA

# (hit@1, hit@3, MRR, answered-rate on answerable, abstain-rate on unanswerable), a little under the measured value
FLOORS = {
    "dev": {
        "en": (0.85, 0.91, 0.89, 0.85, 0.60),
        "uk": (0.70, 0.85, 0.79, 0.85, 0.60),
        "ru": (0.69, 0.85, 0.78, 0.85, 0.45),
    },
    "test": {
        "en": (0.73, 0.86, 0.81, 0.78, 0.70),
        "uk": (0.50, 0.83, 0.65, 0.78, 0.70),
        "ru": (0.55, 0.70, 0.66, 0.66, 0.45),
    },
}


@pytest.fixture(scope="module")
def retriever(bundled_index):
    return Retriever.load(bundled_index)


@pytest.mark.parametrize("split", ["dev", "test"])
def test_quality_floors_per_language(retriever, split):
    report = evaluate(retriever, load_questions(DATA / f"questions_{split}.jsonl"))
    assert set(report.languages) == {"en", "uk", "ru"}
    for lang, floor in FLOORS[split].items():
        r = report.languages[lang]
        assert r.answerable >= 30 and r.unanswerable >= 10
        measured = (r.hit1, r.hit3, r.mrr, r.answered_rate, r.abstain_rate)
        names = ("hit@1", "hit@3", "MRR", "answered", "abstain")
        below = [f"{n} {m:.2f} < {f:.2f}" for n, m, f in zip(names, measured, floor, strict=True) if m < f]
        assert not below, f"{split}/{lang}: " + ", ".join(below)
