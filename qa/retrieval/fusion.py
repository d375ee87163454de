"""Where the channels' evidence becomes one score per sentence: the only place that weighs one against another.

The dense channel's mean cosine is the scale; every other channel is scaled to 1 at its best sentence and added
with a small weight, so it reorders near-ties without overruling a clear dense match. Headings ("How much does it
cost", "Concepts") are short and match the form of many questions, but they name a topic rather than answer it:
they are cited only when no sentence under them scores nearly as well.

The model scores a sentence in the question's own script higher than one in the other script, whatever they say:
in a library that mixes languages a Ukrainian question about an English page used to quote unrelated Ukrainian
documents. A sentence in the other script (Latin against Cyrillic) gets a constant back, measured on the dev
library asked as a whole (benchmarks/multidoc_quality.py --library): uk hit@1 0.49 -> 0.57, ru 0.44 -> 0.53.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

CHANNELS = ("dense", "lexical", "sparse")
# Weight of each channel's best sentence (scaled to 1) against the mean cosine; fitted on the dev questions.
WEIGHTS = {"lexical": 0.0167, "sparse": 0.06}
# Chosen on the dev documents (Ukrainian hit@1 +0.06).
HEADING_PENALTY = 0.03
OTHER_SCRIPT = 0.04  # dev grid 0-0.08: 0.03-0.05 best asked of the whole library, no loss asked of one document


def fuse(evidence: Mapping[str, np.ndarray], headings: np.ndarray, other_script: np.ndarray) -> np.ndarray:
    """One score per sentence from each channel's scores (a channel that is off is missing); `headings` and
    `other_script` are 1 for a heading / a sentence written in another script than the question, else 0."""
    dense = evidence.get("dense")
    total = np.zeros(len(headings), dtype=np.float32) if dense is None else dense.astype(np.float32, copy=True)
    for name, weight in WEIGHTS.items():
        scores = evidence.get(name)
        if scores is not None and scores.max() > 0:
            total += weight * scores / scores.max()
    return total - HEADING_PENALTY * headings + OTHER_SCRIPT * other_script
