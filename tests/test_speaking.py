"""One rule for the language the product speaks, held on every face (qa.language, "Which language the product
speaks to a person"): about a question, the question's language; about anything else, the interface's (the
browser's or client's Accept-Language, the terminal's locale).

It used to differ by face: `qa ask "Хто?" --document nope` answered in English while POST /api/ask answered in
the question's language, and the web app's upload errors followed the last question rather than the page.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.messages import t
from tests.test_web import (  # noqa: F401 - the session's servers and fixtures, shared with test_web.py
    library,
    library_server,
    post,
)

QA = Path(sys.executable).with_name("qa")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(QA), *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


# --- the command line ---------------------------------------------------------------------------------------------


def _unknown(document: str, lang: str) -> str:
    return (
        f"{t('error.unknown_document', lang, document=document)} {t('error.documents_are', lang, documents='article')}"
    )


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Хто такий Кислиця?", "uk"), ("Кто такой Кислица?", "ru"), ("Who is Kyslytsya?", "en")],
)
def test_cli_unknown_document_is_named_in_the_question_language(question, lang):
    result = run("ask", question, "--document", "nope", LANG="C.UTF-8")
    assert result.returncode == 1 and result.stdout == ""
    expected = (
        f"{t('error.unknown_document', lang, document='nope')} {t('error.documents_are', lang, documents='article')}"
    )
    assert result.stderr == f"Error: {expected}\n"


@pytest.mark.parametrize(("locale", "lang"), [("uk_UA.UTF-8", "uk"), ("ru_RU.UTF-8", "ru"), ("C.UTF-8", "en")])
def test_cli_chat_before_any_question_speaks_the_terminal_language(locale, lang):
    result = run("chat", "--document", "nope", LANG=locale, LC_ALL="", LC_MESSAGES="", LANGUAGE="")
    assert result.returncode == 1
    expected = (
        f"{t('error.unknown_document', lang, document='nope')} {t('error.documents_are', lang, documents='article')}"
    )
    assert result.stderr == f"Error: {expected}\n"


# --- the HTTP API -------------------------------------------------------------------------------------------------


def test_api_speaks_the_question_language_about_a_question_and_the_client_language_otherwise(library_server):  # noqa: F811
    url = library_server.url + "api/ask"
    russian_client = {"Accept-Language": "ru-RU,ru;q=0.9"}
    status, _, payload = post(url, '{"question": "Хто такий Кислиця?", "document": "nope"}'.encode(), russian_client)
    assert (status, payload) == (404, {"error": t("error.unknown_document", "uk", document="nope")})
    for body, key in ((b'{"k": 3}', "error.missing_question"), (b"[1]", "error.bad_json")):
        status, _, payload = post(url, body, {"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
        assert (status, payload) == (400, {"error": t(key, "uk")})
    status, _, payload = post(url, b'{"question": "   "}', russian_client)  # no letters: nothing to tell it by
    assert (status, payload) == (400, {"error": t("error.empty_question", "ru")})
    status, _, payload = post(url, b"{" + b" " * (3 * 1024 * 1024) + b"}", russian_client)
    assert (status, payload) == (413, {"error": t("error.request_too_large", "ru", limit=2048)})


def test_gradio_endpoint_speaks_the_question_language(library_server):  # noqa: F811
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(library_server.url, verbose=False, headers={"Accept-Language": "en"})
    with pytest.raises(AppError) as caught:
        client.predict("Кто такой Кислица?", 3, None, "nope", api_name="/ask")
    assert t("error.unknown_document", "ru", document="nope") in str(caught.value)


# --- the web page ---------------------------------------------------------------------------------------------------


def _browser(lang: str) -> SimpleNamespace:
    """A page event's request from a browser whose language is `lang`."""
    return SimpleNamespace(headers={"accept-language": f"{lang},en;q=0.5"})


def test_upload_errors_follow_the_page_not_the_last_question(library, tmp_path):  # noqa: F811
    """After a Russian question on a Ukrainian page, a refused upload is explained in Ukrainian."""
    _, _, chat_lang, _, _, _ = library.answer("Кто такой Кислица?", [], 3, "", "*", [], None, None, _browser("uk"))
    assert chat_lang == "ru"
    photo = tmp_path / "photo.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    *_, (status, added) = list(library.add_file(str(photo), _browser("uk")))
    assert added is None
    line = html.unescape(re.sub(r"<[^>]+>", "", status))
    assert line == t("library.error.binary", "uk", source="«photo.txt»")
