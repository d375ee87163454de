"""The web app: renderers and handlers in-process, then the real `python app.py` asked through gradio_client.

The app server is started once per session (`app_server`, shared with test_browser.py) on a free localhost port,
with QA_INDEX_DIR pointing at the session's bundled index.
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.answer import Answer, Citation
from qa.errors import QAError
from qa.messages import t
from qa.paths import DEFAULT_SOURCE
from qa.retrieve import MAX_QUESTION_CHARS
from qa.sources import from_text, load_source
from qa.sources import split_text as split_sentences

REPO = Path(__file__).resolve().parent.parent
ARTICLE = DEFAULT_SOURCE.read_text(encoding="utf-8")

# Questions whose answer is one known sentence of the bundled article, in each language.
CASUALTIES = "According to Western intelligence sources, more than 5,000 Russian soldiers were killed or seriously"
KLITSCHKO = "Kyiv Mayor Vitali Klitschko told the camera “Go back home."
BIDEN = "“To the citizens of Russia: you are not our enemy,” he said"
ASKED = [
    ("en", "What did Biden say to the citizens of Russia?", BIDEN),
    ("uk", "Скільки російських солдатів загинуло?", CASUALTIES),
    ("ru", "Что мэр Киева сказал российским солдатам?", KLITSCHKO),
]


# --- the app server, one per session -------------------------------------------------------------------------


class AppServer:
    """`python app.py` in a subprocess on a free port; its output goes to a log file the tests can read."""

    _shared: AppServer | None = None

    def __init__(self, index_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = Path(tempfile.mkstemp(prefix="qa-app-", suffix=".log")[1])
        env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        env.pop("QA_HOST", None)  # the default must be localhost
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(REPO / "app.py")], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self._wait_until_ready(timeout=120)

    @classmethod
    def shared(cls, index_dir: Path) -> AppServer:
        if cls._shared is None or cls._shared.proc.poll() is not None:
            cls._shared = cls(index_dir)
        return cls._shared

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"app.py exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "config", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.25)
        self.stop()
        pytest.fail(f"app.py did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(bundled_index: Path) -> Iterator[AppServer]:
    server = AppServer.shared(bundled_index)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def client(app_server: AppServer):
    from gradio_client import Client

    return Client(app_server.url, verbose=False)


# --- renderers --------------------------------------------------------------------------------------------------


def _citation(fragment: str, relevance: str = "strong") -> Citation:
    """The citation of the article's sentence that contains `fragment`."""
    at = ARTICLE.index(fragment)
    s = next(s for s in split_sentences(ARTICLE) if s.start <= at < s.end)
    return Citation(s.text, 0.9, s.id, s.paragraph, str(DEFAULT_SOURCE), s.start, s.end, relevance)


def test_md_escape_neutralises_markup():
    from qa.web import md_escape

    escaped = md_escape("<img src=x onerror=alert(1)> **b** [l](javascript:x) `c` # h\n- item\n1. x & y")
    assert "<" not in escaped and ">" not in escaped
    assert "&lt;img" in escaped and "\\*\\*b\\*\\*" in escaped and "\\[l\\]" in escaped and "\\`c\\`" in escaped
    assert "\n\\- item" in escaped and "\n1\\. x" in escaped and "&amp;" in escaped
    # ordinary prose is left as it is, so a copied quote reads as in the article
    assert (
        md_escape("“Mom, I’m in Ukraine,” he said (on Monday): 5,000!")
        == "“Mom, I’m in Ukraine,” he said (on Monday): 5,000!"
    )


def test_reply_is_framed_in_the_question_language():
    from qa.web import reply_markdown

    quote = "Nearly 6,000 have been detained."
    answer = Answer("Скільки затримано?", "uk", True, [_citation(quote)], 0.9)
    reply = reply_markdown(answer)
    assert reply.startswith(f"**{t('answer.lead', 'uk')}**")
    assert f"> **[1]** {quote}" in reply
    assert t("citation.paragraph", "uk", n=answer.citations[0].paragraph + 1) in reply
    assert t("relevance.strong", "uk") in reply and "0.9" not in reply  # words, not a raw score
    assert t("answer.detected_language", "uk", language="українська") in reply


def test_reply_weak_not_found_and_other_language():
    from qa.web import md_escape, reply_markdown

    weak = reply_markdown(Answer("Что?", "ru", False, [_citation("Nearly 6,000 have been detained.", "weak")]))
    assert md_escape(t("answer.weak_lead", "ru")) in weak and t("relevance.weak", "ru") in weak
    assert md_escape(t("answer.not_found", "uk")) in reply_markdown(Answer("Що?", "uk", False, []))
    german = reply_markdown(Answer("Was hat Biden gesagt?", "de", False, []))
    assert "German" in german and md_escape(t("answer.not_found", "en")) in german


def test_article_html_highlights_citations_by_offsets_and_escapes():
    from qa.web import article_html

    doc = load_source(DEFAULT_SOURCE)
    first, second = _citation(KLITSCHKO), _citation("Nearly 6,000 have been detained.", "weak")
    page = article_html(doc.text, doc.paragraphs, [first, second])
    assert '<sup class="qa-marker">[1]</sup><mark class="qa-cite qa-strong" data-cite="1">' in page
    assert 'data-cite="2">Nearly 6,000 have been detained.</mark>' in page
    assert page.count("<mark") == 2
    # paragraph numbers are the index's, so "paragraph N" in the reply points at the right one
    numbers = [int(n) for n in re.findall(r'data-paragraph="(\d+)"', page)]
    assert numbers == list(range(1, len(doc.paragraphs) + 1)) and numbers[-1] == doc.sentences[-1].paragraph + 1
    assert "[time-brightcove" not in page and "Back to top" not in page  # boilerplate lines are left out
    # a citation whose offsets no longer fit the text is not highlighted anywhere
    moved = Citation(first.text, 0.9, 0, 0, "", first.start + 1, first.end + 1, "strong")
    assert "<mark" not in article_html(doc.text, doc.paragraphs, [moved])


def test_article_html_escapes_markup_in_the_article():
    from qa.web import article_html

    text = "A <script>alert(1)</script> & ${value} {{x}} @children line.\n\nSecond <b>para</b>.\n"
    doc = from_text(text)
    page = article_html(doc.text, doc.paragraphs)
    assert "<script>" not in page and "<b>" not in page and "${" not in page and "{{" not in page
    assert "@children" not in page
    assert "A <script>alert(1)</script> & ${value} {{x}} @children line." in html.unescape(re.sub(r"<[^>]+>", "", page))
    assert len(doc.paragraphs) == page.count('class="qa-p"') == 2


def test_question_markdown_cuts_very_long_messages():
    from qa.web import SHOWN_QUESTION_CHARS, question_markdown

    shown = question_markdown("я" * 5000, "uk")
    assert shown.count("я") == SHOWN_QUESTION_CHARS
    assert t("ui.question_truncated", "uk", count=5000 - SHOWN_QUESTION_CHARS) in shown


def test_every_ui_text_exists_in_three_languages():
    from qa.web import EXAMPLES, UI_KEYS, translations

    assert set(translations()) == {"en", "uk", "ru"}
    for lang, table in translations().items():
        assert set(table) == set(UI_KEYS) and all(table.values()), lang
    for _, key in EXAMPLES:
        assert all(t(key, lang) for lang in ("en", "uk", "ru")), key
    assert {code for code, _ in EXAMPLES} == {"en", "uk", "ru"}


# --- handlers, in-process with the real service -----------------------------------------------------------------


@pytest.fixture
def chat_app():
    from qa.service import default_service
    from qa.web import ChatApp

    return ChatApp(default_service())


def _ask(chat_app, message: str, lang: str = "en") -> tuple[list[dict], str, str]:
    cleared, history, pending = chat_app.add_question(message, [], lang)
    assert cleared == ""
    history, panel, lang, _, _ = chat_app.answer(pending, history, 3, lang)
    return history, panel, lang


@pytest.mark.parametrize(
    ("message", "key", "lang"),
    [
        ("", "error.empty_question", "uk"),  # a wordless message keeps the conversation's language
        ("   \n\t ", "error.empty_question", "ru"),
        ("🙂🙂🙂", "error.no_letters", "uk"),
        ("Що " + "дуже " * 500 + "?", "error.question_too_long", "uk"),
        ("Что " + "очень " * 400 + "?", "error.question_too_long", "ru"),
    ],
)
def test_bad_messages_get_a_friendly_reply(chat_app, message, key, lang):
    history, panel, reply_lang = _ask(chat_app, message, lang)
    reply = history[-1]["content"]
    assert history[-1]["role"] == "assistant" and reply_lang == lang
    fields = {"length": len(message), "limit": MAX_QUESTION_CHARS} if key == "error.question_too_long" else {}
    from qa.web import md_escape

    assert reply == md_escape(t(key, lang, **fields))
    assert "<mark" not in panel and "qa-article" in panel
    if len(message) > MAX_QUESTION_CHARS:
        assert len(history[0]["content"]) < 1000  # the bubble shows the start only


def test_markup_in_a_question_is_shown_as_text(chat_app):
    history, _, _ = _ask(chat_app, "<img src=x onerror=alert(1)> <script>alert(2)</script>")
    assert history[0]["content"] == "&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(2)&lt;/script&gt;"
    assert "<" not in history[1]["content"].replace("<sub>", "").replace("</sub>", "")


def test_other_language_is_answered_in_english(chat_app):
    history, _, lang = _ask(
        chat_app, "Wie viele russische Soldaten sind nach Angaben westlicher Geheimdienste gestorben?", "uk"
    )
    assert lang == "en" and "German" in history[-1]["content"]


def test_answer_highlights_the_cited_sentences(chat_app):
    history, panel, lang = _ask(chat_app, "Скільки російських солдатів загинуло?")
    assert lang == "uk"
    assert CASUALTIES in history[-1]["content"]
    marked = re.findall(r'data-cite="(\d+)">([^<]*)</mark>', panel)
    assert [n for n, _ in marked] and any(CASUALTIES in text for _, text in marked)
    number = next(n for n, text in marked if CASUALTIES in text)
    assert f"**[{number}]** {CASUALTIES}" in history[-1]["content"]


def test_service_failure_is_a_kind_reply_not_a_trace(caplog):
    from qa.web import ChatApp, md_escape

    class Broken:
        def ask(self, question: str, k: int, *, document: str | None = None) -> Answer:
            raise QAError("index in /x is corrupt")

        def retriever(self):
            raise QAError("index in /x is corrupt")

    history, panel, lang, answers, _ = ChatApp(Broken()).answer("Хто такий Кислиця?", [], 3, "en")
    assert history[-1]["content"] == md_escape(t("error.internal", "uk")) and lang == "uk" and panel == ""
    assert answers == []
    assert "corrupt" in caplog.text  # the detail goes to the server log


def test_examples_on_the_page_are_answered(chat_app):
    from qa.web import EXAMPLES

    for code, key in EXAMPLES:
        answer = chat_app.service.ask(t(key, code), 3)
        assert answer.language == code and answer.answered, (key, code)


# --- the real app, through gradio_client ------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "question", "sentence"), ASKED, ids=[lang for lang, _, _ in ASKED])
def test_api_answers_in_three_languages(client, lang, question, sentence):
    result = client.predict(question, 3, api_name="/ask")
    assert result["question"] == question and result["language"] == lang
    assert len(result["citations"]) == 3
    assert any(sentence in c["text"] for c in result["citations"])
    for c in result["citations"]:
        assert ARTICLE[c["start"] : c["end"]] == c["text"]
        assert c["relevance"] in {"strong", "moderate", "weak"}
    assert {"question", "language", "answered", "citations", "confidence"} <= set(result)


def test_api_k_defaults_and_named_arguments(client):
    assert len(client.predict("Who is Kyslytsya?", api_name="/ask")["citations"]) == 3
    assert len(client.predict(question="Who is Kyslytsya?", k=1, api_name="/ask")["citations"]) == 1


def test_api_bad_questions_raise_a_localised_error(client, app_server):
    from gradio_client.exceptions import AppError

    cases = [
        ("   ", 3, t("error.empty_question", "en")),
        ("👍👍", 3, t("error.no_letters", "en")),
        ("Чому " * 500, 3, t("error.question_too_long", "uk", length=2500, limit=MAX_QUESTION_CHARS)),
        *((("Кто такой Кислица?", bad_k, t("error.bad_k", "ru", limit=20))) for bad_k in (0, 21, 2.5, True, "3")),
    ]
    for question, k, message in cases:
        with pytest.raises(AppError) as caught:
            client.predict(question, k, api_name="/ask")
        assert message in str(caught.value)
    assert "Traceback" not in app_server.output()


def test_only_ask_is_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]
    assert [p["parameter_name"] for p in endpoints["/ask"]["parameters"]] == ["question", "k", "history", "document"]


def test_app_binds_localhost_and_shares_nothing(app_server):
    with urllib.request.urlopen(app_server.url + "config", timeout=5) as response:
        config = response.read().decode()
    assert '"share_url":null' in config.replace(" ", "") or "share_url" not in config
    assert "fonts.googleapis.com" not in config
    output = app_server.output()
    assert f"http://127.0.0.1:{app_server.port}/" in output and "gradio.live" not in output


def test_app_help_names_host_port_and_environment():
    out = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    ).stdout
    assert "--host" in out and "--port" in out and "QA_HOST" in out and "QA_PORT" in out
    assert "127.0.0.1" in out and "7860" in out
