"""Cross-script name matching and BM25: the word-level evidence beside the dense model."""

from __future__ import annotations

import pytest

from qa.retrieval.lexical import LexicalIndex, spelling_key

SENTENCES = [
    "Kyiv Mayor Vitali Klitschko told the camera to go home.",
    "Sergiy Kyslytsya read out text messages at the United Nations.",
    "Moscow threatened to block Wikipedia there.",
    "Defense minister Oleksii Reznikov offered amnesty.",
    "The weather was cold.",
]


@pytest.mark.parametrize(
    ("a", "b"),
    [("Кличко", "Klitschko"), ("Резніков", "Reznikov"), ("Резников", "Reznikov"), ("Кислиця", "Kyslytsya")],
)
def test_spelling_keys_of_a_name_agree_across_scripts(a, b):
    assert spelling_key(a) == spelling_key(b)


def test_cross_script_names_use_the_articles_spelling():
    lexical = LexicalIndex(SENTENCES)
    assert lexical.cross_script_names(lexical.match("Що Кислица і Кличко сказали про Вікіпедію?")) == [
        "Kyslytsya",
        "Klitschko",
        "Wikipedia",
    ]
    # common words are never expanded (сайт ~ "says" would be a false friend), nor names the article lacks
    assert lexical.cross_script_names(lexical.match("Що каже сайт про Байдена?")) == []


def test_bm25_prefers_the_sentence_with_the_rare_words():
    lexical = LexicalIndex(SENTENCES)
    scores = lexical.scores(lexical.match("Who offered amnesty?"))
    assert scores.argmax() == 3 and scores[4] == 0
    assert lexical.scores(lexical.match("Кого заблокують: Вікіпедію?")).argmax() == 2
    assert lexical.match("") == [] and lexical.scores([]).sum() == 0
