"""Segmentation and offsets: every sentence is a verbatim slice of the source, split the way a reader would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.errors import SourceError
from qa.paths import DEFAULT_SOURCE
from qa.sources import load_source as load_document
from qa.sources import split_text as split_sentences


@pytest.fixture(scope="module")
def article():
    return load_document(DEFAULT_SOURCE)


def test_every_sentence_is_a_verbatim_slice(article):
    assert len(article.sentences) == 56
    for s in article.sentences:
        assert article.text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
    assert [s.id for s in article.sentences] == list(range(56))


def test_boilerplate_is_dropped_and_headline_kept(article):
    texts = [s.text for s in article.sentences]
    assert texts[0] == (
        "Ukrainian Officials Are Appealing Directly to Russian Soldiers and Their Families as Casualties Mount"
    )
    assert article.sentences[0].paragraph == 0
    joined = "\n".join(texts)
    for junk in ("time-brightcove", "Related Articles", "Back to top button"):
        assert junk not in joined
    assert texts[-1] == "W.J. Hennigan/Washington"  # the byline is kept, whole
    assert article.paragraph_count == 19


@pytest.mark.parametrize(
    "sentence",
    [
        # a quotation ending in a comma stays with its attribution
        "“Mom, I’m in Ukraine,” Sergiy Kyslytsya read out in Russian, from printed text messages that he said were "
        "the last conversation between a Russian soldier and his mother before he was killed.",
        # "Feb. 26" and "U.S." do not end sentences
        "In a call with reporters on Feb. 26, a U.S. administration official repeatedly referred to the conflict as "
        "“Putin’s war of choice.”",
        # "…" inside a quotation does not end it
        "“Ukraine on your TV news and the real Ukraine are two totally different countries… Do Russians want war? "
        "I would like to answer that question, but the answer depends only on you.”",
        "According to a top U.S. defense official Tuesday, there is evidence that Russian troops are losing morale "
        "on the ground.",
        "Nearly 6,000 have been detained.",
    ],
)
def test_reader_boundaries_on_the_article(article, sentence):
    assert sentence in [s.text for s in article.sentences]


def test_synthetic_text_offsets_and_paragraphs():
    text = (
        "Headline Without Period\n\n"
        "Dr. Smith met the U.S. envoy on Jan. 3. He said “we agree,” and left.\r\n"
        "A second line of the same paragraph. Same text. Same text.\n\n\n"
        "[embed id=”1”]\n"
        "Related Articles\n"
        "Last paragraph!\n"
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Headline Without Period",
        "Dr. Smith met the U.S. envoy on Jan. 3.",
        "He said “we agree,” and left.",
        "A second line of the same paragraph.",
        "Same text.",
        "Same text.",
        "Last paragraph!",
    ]
    assert [s.paragraph for s in sentences] == [0, 1, 1, 1, 1, 1, 2]
    for s in sentences:
        assert text[s.start : s.end] == s.text
    # repeated sentences get their own offsets
    assert sentences[4].start != sentences[5].start


def test_paragraph_spans_skip_boilerplate_lines():
    text = "One.\n[time-brightcove x]\nTwo.\n\nBack to top button\n"
    assert [text[a:b] for a, b in paragraph_spans(text)] == ["One.", "Two."]


def test_non_ascii_offsets_are_character_offsets(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("Привіт, світе. Друге речення тут.\n", encoding="utf-8")
    doc = load_document(path)
    assert [(s.start, s.end) for s in doc.sentences] == [(0, 14), (15, 33)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "source file is empty"),
        (b"  \n\n ", "source file is empty"),
        (b"abc\x00def", "looks binary (NUL byte at offset 3)"),
        (b"Good text. \xff\xfe bad.", "not valid UTF-8: byte 0xff at offset 11"),
        (b"Related Articles\n[tag]\n", "has no article text to index"),
    ],
)
def test_bad_sources_name_the_problem(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(message)) as info:
        load_document(path)
    assert str(path) in str(info.value)


def test_missing_and_directory_sources(tmp_path: Path):
    with pytest.raises(SourceError, match="source file not found: .*nope.txt"):
        load_document(tmp_path / "nope.txt")
    with pytest.raises(SourceError, match="source is a directory"):
        load_document(tmp_path)
