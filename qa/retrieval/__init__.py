"""Retrieval: every sentence of an index scored for one question by evidence channels, fused in one place.

    question.py   what a question may be (clean_question, the limits)
    dense.py      the dense channel: the model's cosine over the sentence views
    lexical.py    the lexical channel: BM25 by spelling key, and names that cross scripts
    fusion.py     the channels' weights: one score per sentence
    abstain.py    whether the best sentences answer at all, and how likely each one is the answer
    retriever.py  Retriever: the above for one index, and the cited Answer

A channel is one module with a `scores(...)` over all rows; fusion is the only place that weighs them.
"""

from qa.retrieval.question import MAX_K, MAX_QUESTION_CHARS, clean_question
from qa.retrieval.retriever import Retriever

__all__ = ["MAX_K", "MAX_QUESTION_CHARS", "Retriever", "clean_question"]
