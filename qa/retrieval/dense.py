"""The dense channel: the cosine between the question's embedding and each sentence's two views, averaged: the
sentence itself and its context (the sentence with its paragraph neighbours, qa.index.vectors.context_vectors)."""

from __future__ import annotations

import faiss
import numpy as np

from qa.index import LoadedIndex
from qa.index.vectors import context_vectors

# Up to this many sentences every one is scored exactly with one matrix product (10,000 sentences: 6 ms; 100,000:
# 10 ms, 150 MB); above it, only the best candidates of a FAISS search are scored (benchmarks/scale.py).
EXACT_LIMIT = 100_000
_CANDIDATES = 500


class DenseChannel:
    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        (flat,) = index.vectors.values()
        sentence = flat.reconstruct_n(0, flat.ntotal)
        context = context_vectors(sentence, [(r.doc, r.paragraph) for r in index.sentences])
        # The mean cosine over the views is the cosine with the mean of the views' vectors: one matrix product
        # scores every sentence exactly.
        self.mean_vectors = (sentence + context) / 2
        self.search: faiss.Index | None = None
        if len(index.sentences) > EXACT_LIMIT:
            self.search = faiss.IndexFlatIP(self.mean_vectors.shape[1])
            self.search.add(self.mean_vectors)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """The mean cosine over the views of every sentence with `query` (one L2-normalised vector)."""
        if self.search is None:
            return self.mean_vectors @ query
        sims, ids = self.search.search(query[None, :], _CANDIDATES)
        found = ids[0] >= 0  # FAISS pads a short result with -1 ids and -3.4e38 scores
        full = np.full(len(self.mean_vectors), float(sims[0][found].min()) if found.any() else 0.0, np.float32)
        full[ids[0][found]] = sims[0][found]
        return full
