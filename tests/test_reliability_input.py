"""Bad input: whatever a person types, `qa.ask` returns a valid Answer or raises the documented ValueError, and the
CLI prints an answer or exits 2 with a one-line message. Never a traceback.

The documented contract (qa.retrieval.clean_question): a question longer than 2000 characters, one that is empty
once control characters and whitespace are dropped, or one without a single letter or digit raises
qa.errors.QuestionError (a ValueError); every other string is answered. The tests check the outcome is exactly
the documented one, for every generated string.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qa
from qa.answer import Answer
from qa.cli import cli
from qa.errors import QuestionError
from qa.messages import t
from qa.paths import DEFAULT_SOURCE
from tests.conftest import report_cases

ARTICLE = DEFAULT_SOURCE.read_text(encoding="utf-8")
QA = Path(sys.executable).with_name("qa")  # the real console script of this venv
LIMIT = 2000
RELEVANCE = {"strong", "moderate", "weak"}

CASES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request: pytest.FixtureRequest):
    yield
    report_cases(request, "input", CASES)


# --- the documented contract, as an oracle -----------------------------------------------------------------------


def documented_error(question: str) -> str | None:
    """The QuestionError key the docs promise for `question`, or None if it must be answered."""
    if len(question) > LIMIT:
        return "error.question_too_long"
    visible = " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in question).split())
    if not visible:
        return "error.empty_question"
    if not re.search(r"\w", visible):
        return "error.no_letters"
    return None


def check_answer(answer: dict, question: str, k: int) -> None:
    """An Answer (as Answer.to_dict()) that keeps every promise of qa.answer."""
    assert answer["question"] == question
    assert re.fullmatch(r"[a-z]{2,3}", answer["language"]), answer["language"]
    assert isinstance(answer["answered"], bool)
    assert 0.0 <= answer["confidence"] <= 1.0
    assert len(answer["citations"]) == k  # the article has 56 sentences
    ids = [c["sentence_id"] for c in answer["citations"]]
    assert len(set(ids)) == k
    scores = [c["score"] for c in answer["citations"]]
    assert all(math.isfinite(s) for s in scores) and scores == sorted(scores, reverse=True)
    for c in answer["citations"]:
        assert ARTICLE[c["start"] : c["end"]] == c["text"] and c["text"]  # verbatim
        assert c["source"] == str(DEFAULT_SOURCE)
        assert c["relevance"] in RELEVANCE
        if not answer["answered"]:
            assert c["relevance"] == "weak"


# --- strategies: one per category of bad input -------------------------------------------------------------------

WORDS = ["Who", "is", "Kyslytsya", "Zelensky", "soldiers", "mother", "Хто", "такий", "Кислиця", "Кто", "солдаты"]
_words = st.sampled_from(WORDS)
CONTROLS = [chr(c) for c in range(32)] + ["\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\x1b[31m", "\x1b]0;x\x07"]
BIDI = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
RTL_TEXT = ["מי", "זה", "من", "هو", "קיסליצה", "؟"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f"]
EMOJI = st.one_of(
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.sampled_from(["\u2764\ufe0f", "👍🏽", "👨‍👩‍👧", "🇺🇦", "\u200d", "\ufe0f", "©", "™", "⭐"]),
)
MARKUP = [
    "<script>alert('{w}')</script>",
    "<img src=x onerror=alert(1)> {w}",
    '"><svg/onload=alert(1)> {w}',
    "<b>{w}</b>",
    "**{w}** _{w}_ `{w}`",
    "[{w}](javascript:alert(1))",
    "![x](http://127.0.0.1/{w})",
    "{{{{7*7}}}} {w}",
    "${{7*7}} {w}",
    "'; DROP TABLE questions; -- {w}",
    "<!-- {w} -->",
    "&lt;b&gt;{w}&amp;",
    "<iframe src=file:///etc/passwd>",
    "$$\\frac{{1}}{{0}}$$ {w}",
    "<style>*{{display:none}}</style>{w}",
    "%s%s%s%n {w}",
    "../../../../etc/passwd {w}",
]

CATEGORIES: dict[str, st.SearchStrategy[str]] = {
    "arbitrary unicode (incl. lone surrogates)": st.text(st.characters(exclude_categories=()), max_size=200),
    "control characters and NUL": st.lists(st.one_of(st.sampled_from(CONTROLS), _words), max_size=20).map("".join),
    "right-to-left and zero-width marks": st.lists(
        st.one_of(st.sampled_from(BIDI + ZERO_WIDTH + RTL_TEXT), _words, st.just(" ")), max_size=20
    ).map("".join),
    "huge strings (up to 100 KB)": st.tuples(
        st.sampled_from(["a", "Who is Kyslytsya? ", "\x00", "😀", " ", "ы", "<b>"]), st.integers(LIMIT + 1, 100_000)
    ).map(lambda u: (u[0] * (u[1] // len(u[0]) + 1))[: u[1]]),
    "only punctuation": st.text(st.characters(categories=["Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"]), max_size=50),
    "only emoji": st.lists(EMOJI, max_size=20).map("".join),
    "markup": st.tuples(st.sampled_from(MARKUP), _words).map(lambda m: m[0].format(w=m[1])),
    "whitespace only": st.text(st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u1680\u2000\u2003\u3000\u205f"), max_size=30),
    "mixed": st.lists(
        st.one_of(_words, st.sampled_from(CONTROLS + BIDI + ZERO_WIDTH + ["😀", "?", "<b>", "\ud800", "\udcff"])),
        max_size=25,
    ).map(" ".join),
}
QUESTIONS = st.sampled_from(list(CATEGORIES)).flatmap(lambda name: st.tuples(st.just(name), CATEGORIES[name]))
_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


# --- qa.ask ------------------------------------------------------------------------------------------------------


@settings(_SETTINGS, max_examples=400)
@given(case=QUESTIONS, k=st.integers(1, 20))
def test_ask_answers_or_raises_the_documented_value_error(case, k):
    category, question = case
    CASES[f"qa.ask: {category}"] += 1
    expected = documented_error(question)
    try:
        answer = qa.ask(question, k)
    except QuestionError as exc:
        assert isinstance(exc, ValueError)
        assert exc.key == expected, (question, exc.key)
        assert str(exc) and "\n" not in str(exc)
        CASES["qa.ask: documented ValueError"] += 1
        return
    assert expected is None, (question, expected)
    assert isinstance(answer, Answer)
    data = answer.to_dict()
    check_answer(data, question, k)
    json.dumps(data)  # serialisable as is (lone surrogates become \\udxxx escapes)
    CASES["qa.ask: Answer"] += 1


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("", "error.empty_question"),
        ("\x00", "error.empty_question"),
        ("\x00\x01\x02\x1b", "error.empty_question"),
        ("\ud800\udfff", "error.empty_question"),
        (" \u3000\t\n", "error.empty_question"),
        ("?!…", "error.no_letters"),
        ("😀🎉", "error.no_letters"),
        ("\u200f\u202e", "error.no_letters"),
        ("<>", "error.no_letters"),
        ("a" * (LIMIT + 1), "error.question_too_long"),
        (" " * (LIMIT + 1), "error.question_too_long"),
        ("\x00" * 100_000, "error.question_too_long"),
    ],
)
def test_documented_errors_at_the_edges(question, key):
    with pytest.raises(ValueError) as info:
        qa.ask(question)
    assert isinstance(info.value, QuestionError) and info.value.key == key
    CASES["qa.ask: fixed edge cases"] += 1


@pytest.mark.parametrize(
    "question", ["a" * LIMIT, "Who is Kyslytsya? " * 110 + "Who is he?", "?" * (LIMIT - 1) + "x", "_"]
)
def test_longest_and_smallest_questions_are_answered(question):
    assert len(question) <= LIMIT
    check_answer(qa.ask(question, 2).to_dict(), question, 2)
    CASES["qa.ask: fixed edge cases"] += 1


@pytest.mark.parametrize("k", [0, 21, -1, True, 2.5, "3", None])
def test_bad_k_is_a_value_error(k):
    with pytest.raises(ValueError, match=re.escape(f"k must be an integer from 1 to 20, got {k!r}")):
        qa.ask("Who is Kyslytsya?", k)
    CASES["qa.ask: bad k"] += 1


@pytest.mark.parametrize("question", [None, b"Who is Kyslytsya?", 42, ["Who"]])
def test_a_question_that_is_not_a_string_is_a_type_error(question):
    with pytest.raises(TypeError, match="question must be a str"):
        qa.ask(question)
    CASES["qa.ask: not a string"] += 1


def test_markup_in_a_question_is_data_not_code():
    """The question comes back exactly as asked (escaping is the renderer's job) and is never evaluated."""
    question = "<script>alert(1)</script>{{7*7}} ${7*7} Who is Kyslytsya?"
    answer = qa.ask(question)
    assert answer.question == question
    assert "49" not in json.dumps(answer.to_dict())
    assert answer.citations[0].text in ARTICLE
    CASES["markup: evaluated?"] += 1


def test_the_same_question_gets_the_same_answer():
    for question in ["Who is Kyslytsya?", "Хто такий Кислиця?", "\u202eWho\u200f is\x00 he?", "<b>Zelensky</b>"]:
        assert qa.ask(question, 5).to_dict() == qa.ask(question, 5).to_dict()
    CASES["qa.ask: repeatability"] += 4


# --- the CLI in-process (click's CliRunner) ---------------------------------------------------------------------


@settings(_SETTINGS, max_examples=150)
@given(case=QUESTIONS, as_json=st.booleans())
def test_cli_prints_an_answer_or_exits_2_with_a_message(case, as_json):
    category, question = case
    CASES[f"CLI (CliRunner): {category}"] += 1
    expected = documented_error(question)
    args = ["ask", *(["--json"] if as_json else []), "--", question]
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output
    assert not (result.exception and not isinstance(result.exception, SystemExit)), repr(result.exception)
    if expected is not None:
        assert result.exit_code == 2, (question, result.output)
        assert result.stdout == ""
        assert result.stderr.endswith(f"\n\nError: {t(expected, _reply_language(question), **_fields(question))}\n")
        return
    assert result.exit_code == 0, (question, result.output)
    assert result.stderr == ""
    if as_json:
        check_answer(json.loads(result.stdout), question, 3)
    else:
        assert "\n[1] " in result.stdout and "\n[3] " in result.stdout


def _reply_language(question: str) -> str:
    from qa.language import question_language

    return question_language(question)


def _fields(question: str) -> dict:
    return {"length": len(question), "limit": LIMIT} if len(question) > LIMIT else {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask"], "Error: Missing argument 'QUESTION'."),
        (["ask", "-x"], "Error: No such option '-x'."),
        (["ask", "-k", "0", "Who?"], "Error: Invalid value for '-k': 0 is not in the range 1<=x<=20."),
        (["ask", "-k", "abc", "Who?"], "Error: Invalid value for '-k': 'abc' is not a valid integer range."),
        (["ask", "Who?", "extra"], "Error: Got unexpected extra argument (extra)"),
        (["ask", "--json=1", "Who?"], "Error: Option '--json' does not take a value."),
    ],
)
def test_cli_usage_mistakes_exit_2_with_one_message(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == message
    assert result.stdout == ""
    CASES["CLI (CliRunner): usage mistakes"] += 1


# --- the real console script --------------------------------------------------------------------------------------

CONSOLE_CASES: list[tuple[str, bytes, int, str]] = [
    # (name, question as argv bytes, exit code, what stdout/stderr must show)
    ("plain", b"Who is Kyslytsya?", 0, "Sergiy Kyslytsya read out in Russian"),
    ("empty", b"", 2, "Error: The question is empty."),
    ("control characters", b"\x01\x02\x1b\x7f\t", 2, "Error: The question is empty."),
    ("only punctuation", "?!…—«»".encode(), 2, "Error: The question has no words to search for"),
    ("only emoji", "😀🎉👨‍👩‍👧".encode(), 2, "Error: The question has no words to search for"),
    ("right-to-left marks", "\u202eWho\u200f is Kyslytsya?".encode(), 0, "Kyslytsya"),
    ("markup", b"<script>alert(1)</script> Who is Kyslytsya?", 0, "Kyslytsya"),
    ("too long", b"a" * 100_000, 2, "Error: The question is too long: 100000 characters"),
    ("bytes that are not UTF-8", b"\xff\xfe Who is Kyslytsya?", 0, '"question": "\\udcff\\udcfe Who is Kyslytsya?"'),
    ("leading dash", b"-who", 2, "Error: No such option '-w'."),
]


@pytest.mark.parametrize(("name", "question", "code", "shown"), CONSOLE_CASES, ids=[c[0] for c in CONSOLE_CASES])
def test_console_script_never_shows_a_traceback(name, question, code, shown):
    # A strict stdout (as with PYTHONIOENCODING=utf-8 or most UTF-8 locales): nothing may fail to print.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    args = [os.fsencode(QA), b"ask", b"--json"] + ([] if name == "leading dash" else [b"--"]) + [question]
    result = subprocess.run(args, capture_output=True, env=env)
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert "Traceback" not in out + err
    assert result.returncode == code, err
    assert shown in (out if code == 0 else err)
    if code == 0:
        assert json.loads(out)["citations"]
    else:
        assert out == "" and err.rstrip("\n").count("\n") == 3  # click's usage line, hint, blank line, Error
    CASES["CLI (console script)"] += 1


# --- regression tests for bugs these tests found ------------------------------------------------------------------


def test_question_bytes_that_are_not_utf8_print_as_json_escapes():
    """Used to break: `qa ask --json` echoed the question with json.dumps(ensure_ascii=False), so a question whose
    argv bytes were not UTF-8 (decoded to lone surrogates) raised UnicodeEncodeError on a strict stdout: a
    traceback instead of an answer."""
    result = CliRunner().invoke(cli, ["ask", "--json", "--", "\udcff\udcfe Who is Kyslytsya?"])
    assert result.exit_code == 0, repr(result.exception)
    assert '"question": "\\udcff\\udcfe Who is Kyslytsya?"' in result.stdout
    assert json.loads(result.stdout)["question"] == "\udcff\udcfe Who is Kyslytsya?"


def test_index_dir_given_in_bytes_that_are_not_utf8_is_printed_as_given(tmp_path, bundled_index):
    """Used to break: `qa index info` printed the index path to a strict stdout, so a directory name in bytes
    that are not UTF-8 (decoded to lone surrogates) raised UnicodeEncodeError after the work was done."""
    import shutil

    raw = os.fsencode(tmp_path) + b"/\xff index"
    shutil.copytree(bundled_index, os.fsdecode(raw))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([os.fsencode(QA), b"index", b"info", b"--index-dir", raw], capture_output=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"index:         " + raw + b"/")
    assert b"Traceback" not in result.stderr
