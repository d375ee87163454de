"""qa.messages: every text exists in en/uk/ru, with the same fields, in the right alphabet."""

from __future__ import annotations

import string

import pytest

from qa.messages import MESSAGES, language_name, t

LANGS = ("en", "uk", "ru")
REQUIRED = [
    "answer.lead",
    "answer.not_found",
    "answer.weak_lead",
    "answer.other_language",
    "answer.detected_language",
    "citation.paragraph",
    "relevance.strong",
    "relevance.moderate",
    "relevance.weak",
    "error.empty_question",
    "error.question_too_long",
    "error.no_letters",
    "error.internal",
    "ui.title",
    "ui.subtitle",
    "ui.placeholder",
    "ui.submit",
    "ui.clear",
    "ui.examples",
    "ui.k_label",
    "ui.article_heading",
    "ui.legend",
    "language.en",
    "language.uk",
    "language.ru",
]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", REQUIRED)
def test_required_keys_exist(key: str) -> None:
    assert key in MESSAGES


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_three_non_empty_texts(key: str) -> None:
    assert set(MESSAGES[key]) == set(LANGS)
    for lang in LANGS:
        assert MESSAGES[key][lang].strip(), (key, lang)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_fields_are_the_same_in_every_language(key: str) -> None:
    assert fields(MESSAGES[key]["uk"]) == fields(MESSAGES[key]["en"]) == fields(MESSAGES[key]["ru"])


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_each_language_uses_its_own_alphabet(key: str) -> None:
    assert not set("ыэъёЫЭЪЁ") & set(MESSAGES[key]["uk"]), key
    assert not set("іїєґІЇЄҐ") & set(MESSAGES[key]["ru"]), key
    # Ukrainian and Russian typography: «» quotes, never straight double quotes.
    assert '"' not in MESSAGES[key]["uk"] + MESSAGES[key]["ru"], key


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_text_formats_with_its_fields(key: str) -> None:
    given = {name: 7 for name in fields(MESSAGES[key]["en"])}
    for lang in LANGS:
        text = t(key, lang, **given)
        assert "{" not in text and "}" not in text


def test_fields_are_filled_in() -> None:
    assert t("citation.paragraph", "uk", n=3) == "абзац 3"
    assert "501" in t("error.question_too_long", "ru", length=501, limit=500)
    assert "500" in t("error.question_too_long", "ru", length=501, limit=500)


def test_other_languages_fall_back_to_english() -> None:
    assert t("ui.submit", "de") == t("ui.submit", "en") == "Ask"
    assert t("answer.lead", "") == MESSAGES["answer.lead"]["en"]


def test_languages_get_their_own_text() -> None:
    assert t("ui.submit", "uk") == "Запитати"
    assert t("ui.submit", "ru") == "Спросить"


def test_unknown_key_raises() -> None:
    with pytest.raises(KeyError):
        t("answer.no_such_key", "en")


def test_missing_field_raises() -> None:
    with pytest.raises(KeyError):
        t("citation.paragraph", "en")


@pytest.mark.parametrize(
    ("code", "lang", "expected"),
    [
        ("uk", "en", "Ukrainian"),
        ("uk", "uk", "українська"),
        ("uk", "ru", "украинский"),
        ("ru", "uk", "російська"),
        ("en", "ru", "английский"),
        ("de", "en", "German"),
        ("xx", "en", "xx"),
        ("xx", "uk", "xx"),
        ("ru", "de", "Russian"),
    ],
)
def test_language_name(code: str, lang: str, expected: str) -> None:
    assert language_name(code, lang) == expected


def test_other_language_notice_names_the_language() -> None:
    assert "German" in t("answer.other_language", "en", language=language_name("de", "en"))
