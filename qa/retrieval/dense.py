"""The dense channel: the cosine between the question's embedding and each sentence's views, averaged."""

from __future__ import annotations

import numpy as np

from qa.index import LoadedIndex

# Up to this many sentences every one is scored exactly with one matrix product (10,000 sentences: 6 ms; 100,000:
# 10 ms, 150 MB); above it, only the best candidates of each view's FAISS index (benchmarks/scale.py).
EXACT_LIMIT = 100_000
_CANDIDATES = 500


def _mean_vectors(index: LoadedIndex) -> np.ndarray:
    """The mean of the views' vectors, one view in memory at a time beside it."""
    views = list(index.vectors.values())
    total = views[0].reconstruct_n(0, views[0].ntotal)
    for flat in views[1:]:
        total += flat.reconstruct_n(0, flat.ntotal)
    total /= len(views)
    return total


class DenseChannel:
    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        # The mean cosine over the views is the cosine with the mean of the views' vectors: one matrix product
        # scores every sentence exactly, a third of the work and memory of one per view, and at 10,000 sentences
        # 8x quicker than a FAISS top-500 search per view (benchmarks/scale.py). FAISS only above EXACT_LIMIT.
        self.mean_vectors = _mean_vectors(index) if len(index.sentences) <= EXACT_LIMIT else None

    def scores(self, query: np.ndarray) -> np.ndarray:
        """The mean cosine over the views of every sentence with `query` (one L2-normalised vector)."""
        if self.mean_vectors is not None:
            return self.mean_vectors @ query
        n = len(self.index.sentences)
        dense = np.zeros(n, dtype=np.float32)
        for flat in self.index.vectors.values():
            sims, ids = flat.search(query[None, :], _CANDIDATES)
            found = ids[0] >= 0  # FAISS pads a short result with -1 ids and -3.4e38 scores
            full = np.full(n, float(sims[0][found].min()) if found.any() else 0.0, dtype=np.float32)
            full[ids[0][found]] = sims[0][found]
            dense += full
        return dense / len(self.index.vectors)
