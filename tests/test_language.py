"""qa.language on labelled questions (tests/data/language_*.tsv) and on input nobody should have to think about."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.language import SUPPORTED, detect_language, reply_language

DATA = Path(__file__).resolve().parent / "data"
SHORT_MAX_WORDS = 4


def load(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (DATA / f"language_{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, text = line.split("\t", 1)
            rows.append((lang, text))
    return rows


def accuracy(rows: list[tuple[str, str]], lang: str) -> float:
    mine = [text for label, text in rows if label == lang]
    assert mine, f"no {lang} rows"
    return sum(detect_language(text) == lang for text in mine) / len(mine)


def heldout(kind: str) -> list[tuple[str, str]]:
    short = [r for r in load("heldout") if len(r[1].split()) <= SHORT_MAX_WORDS]
    return short if kind == "short" else [r for r in load("heldout") if r not in short]


# Floors are what the detector reached when these tests were written (benchmarks/language_accuracy.py prints
# the exact figures); a change that loses even one item on the full sets fails.
FLOORS = {
    ("short", "en"): 1.0,
    ("short", "uk"): 0.98,  # 56/57: "Шмигаль" carries no Ukrainian letter, word, spelling rule or strong n-gram
    ("short", "ru"): 1.0,
    ("full", "en"): 1.0,
    ("full", "uk"): 1.0,
    ("full", "ru"): 1.0,
}


@pytest.mark.parametrize(("dataset", "lang"), sorted(FLOORS))
def test_accuracy_floor(dataset: str, lang: str) -> None:
    assert accuracy(load(dataset), lang) >= FLOORS[dataset, lang]


# Measured once, after the rules were frozen; these items played no part in tuning.
HELDOUT_FLOORS = {
    ("short", "en"): 1.0,
    # 29/29 since the word and spelling tier; its three former misses (чия провина, порт Одеси, заява Лаврова) were
    # named when that tier was written, so this figure is no longer a blind one.
    ("short", "uk"): 1.0,
    ("short", "ru"): 1.0,
    ("full", "en"): 1.0,
    ("full", "uk"): 1.0,
    ("full", "ru"): 1.0,
}


@pytest.mark.parametrize(("kind", "lang"), sorted(HELDOUT_FLOORS))
def test_heldout_accuracy_floor(kind: str, lang: str) -> None:
    assert accuracy(heldout(kind), lang) >= HELDOUT_FLOORS[kind, lang]


# A second held-out set, written blind to the rules after the word and spelling tier was planned, and scored
# once when it was done: 150 short items, about half of the uk/ru ones without any one-language letter.
# Before that tier: uk 39/50 (78 %); after: en 50/50, uk 49/50, ru 50/50.
HELDOUT2_FLOORS = {"en": 1.0, "uk": 0.98, "ru": 1.0}


@pytest.mark.parametrize("lang", sorted(HELDOUT2_FLOORS))
def test_blind_heldout2_accuracy_floor(lang: str) -> None:
    assert accuracy(load("heldout2"), lang) >= HELDOUT2_FLOORS[lang]


def test_labelled_sets_are_big_enough_and_balanced() -> None:
    short = load("short") + heldout("short")
    full = load("full") + heldout("full")
    assert len(short) >= 150
    for lang in SUPPORTED:
        assert sum(label == lang for label, _ in short) >= 50
        assert sum(label == lang for label, _ in full) >= 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # langdetect alone: bg, bg, bg, bg, mk, mk, uk, sl, sw
        ("Що?", "uk"),
        ("Что?", "ru"),
        ("Коли?", "uk"),
        ("Де?", "uk"),
        ("Где?", "ru"),
        ("Кличко", "ru"),  # spelt the same in both: ambiguous Cyrillic resolves to Russian by rule
        ("Путин", "ru"),
        ("Who is Oleksii Reznikov?", "en"),
        ("Ishchi Svoikh?", "en"),
        # mixed scripts: the question's frame decides, not names or quoted phrases
        ("Що відповів Biden?", "uk"),
        ("Why «Ищи своих»?", "en"),
        ("What did Зеленський say?", "en"),
        ("что сказал Blinken", "ru"),
        ('що означає "Ishchi Svoikh"', "uk"),
        # Latin "i" typed for "і" on a Russian keyboard
        ("скiльки коштує", "uk"),
        # spelling alone, no Ukrainian letter or function word
        ("Зеленський", "uk"),
        ("Зеленский", "ru"),
        ("Кислиця", "uk"),
        ("Кислица", "ru"),
    ],
)
def test_known_examples(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("lang", ["de", "pl", "fr", "es", "it", "bg"])
def test_other_languages_in_full_sentences_are_named(lang: str) -> None:
    assert accuracy(load("other"), lang) >= (0.8 if lang == "es" else 1.0)  # es: 5/6, langdetect says fr once


def test_other_scripts_are_named() -> None:
    assert detect_language("Τι είπε ο υπουργός Άμυνας για τους νέους κανόνες;") == "el"
    assert detect_language("国防部长说了什么？") == "zh"  # langdetect's "zh-cn" made ISO 639-1


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Кремъл", "ru"), ("Кога?", "ru"), ("Wer ist Scholz?", "en"), ("Bakhmut", "en"), ("Klitschko", "en")],
)
def test_short_text_stays_in_our_languages(text: str, expected: str) -> None:
    """Short Cyrillic is Ukrainian or Russian and short Latin is English, whatever langdetect makes of it."""
    assert detect_language(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("Ўсё добра?", "be"), ("Ђорђе", "sr"), ("Ќе дојде", "mk")])
def test_letters_of_one_other_cyrillic_language_are_evidence(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Що?", "Кличко", "Ishchi Svoikh?", "Was hat der Minister über die neuen Regeln gesagt?", "Шмигаль"],
)
def test_deterministic(text: str) -> None:
    assert len({detect_language(text) for _ in range(3)}) == 1


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "???", "\x00", "123 456", "\ud800", "a" * 100_000, "🙂" * 25_000])
def test_no_letters_or_odd_input_is_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_long_input_only_reads_a_prefix() -> None:
    # ~4 KB of Ukrainian, then ~230 KB of English: read whole, English would win; only the prefix counts.
    text = "Що відповів міністр? " * 200 + "What did the minister say about the army? " * 5_000
    assert detect_language(text) == "uk"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text: str) -> None:
    assert re.fullmatch(r"[a-z]{2}", detect_language(text))


@pytest.mark.parametrize(("code", "expected"), [("en", "en"), ("uk", "uk"), ("ru", "ru"), ("de", "en"), ("", "en")])
def test_reply_language(code: str, expected: str) -> None:
    assert reply_language(code) == expected
