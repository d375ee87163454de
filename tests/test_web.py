"""The web app: renderers and handlers in-process, then the real `python app.py` asked through gradio_client.

The app servers are started once per session (shared with test_browser.py) on free localhost ports: `app_server`
on the session's bundled index, `library_server` on a copy of it that tests add documents to, with URLs on
127.0.0.1 allowed (QA_ALLOW_PRIVATE_URLS=1). `pages` serves the pages those URLs point at, from 127.0.0.1.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.answer import Answer, Citation
from qa.conversation import MAX_HISTORY
from qa.errors import QAError
from qa.messages import t
from qa.paths import DEFAULT_SOURCE
from qa.retrieval import MAX_QUESTION_CHARS
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

    _shared: dict[str, AppServer] = {}

    def __init__(self, index_dir: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.index_dir = index_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = Path(tempfile.mkstemp(prefix="qa-app-", suffix=".log")[1])
        env = {
            **os.environ,
            "QA_INDEX_DIR": str(index_dir),
            "QA_PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        env.pop("QA_HOST", None)  # the default must be localhost
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(REPO / "app.py"), *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self._wait_until_ready(timeout=120)

    @classmethod
    def shared(
        cls, index_dir: Path, name: str = "bundled", env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> AppServer:
        """The session's server called `name`, started on `index_dir` the first time: a fixture imported into
        several test files is set up once per file, and this keeps it one app."""
        server = cls._shared.get(name)
        if server is None or server.proc.poll() is not None:
            server = cls._shared[name] = cls(index_dir, env, args)
        return server

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


@pytest.fixture(scope="session")
def library_server(bundled_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """An app whose library the tests add to: a copy of the bundled index, and pages from 127.0.0.1 allowed. Its
    uploads go to `server.uploads` (GRADIO_TEMP_DIR), so tests can see what stays on the server."""
    index_dir = tmp_path_factory.mktemp("library") / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    uploads = tmp_path_factory.mktemp("library-uploads")
    server = AppServer.shared(index_dir, "library", {"QA_ALLOW_PRIVATE_URLS": "1", "GRADIO_TEMP_DIR": str(uploads)})
    server.uploads = uploads
    yield server
    server.stop()


def uploaded_files(server: AppServer) -> list[str]:
    """The names of the files the app's uploads folder holds."""
    return sorted(p.name for p in server.uploads.rglob("*") if p.is_file())


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


def test_reply_says_how_a_follow_up_was_read():
    from qa.answer import Reading
    from qa.web import md_escape, reply_markdown

    citation = _citation("Nearly 6,000 have been detained.")
    follow = Answer("А скільки затримали?", "uk", True, [citation], 0.9, Reading("follow-up", "Хто протестував?", 0))
    reply = reply_markdown(follow)
    assert reply.startswith(f"_{md_escape(t('answer.follow_up', 'uk', question='Хто протестував?'))}_")
    more = Answer("more", "en", True, [citation], 0.9, Reading("more", "Who *was* detained?", 2))
    assert f"_{md_escape(t('answer.more', 'en', question='Who *was* detained?'))}_" in reply_markdown(more)
    alone = Answer("Who was detained?", "en", True, [citation], 0.9, Reading("alone"))
    assert reply_markdown(alone).startswith(f"**{t('answer.lead', 'en')}**")


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
    for key in EXAMPLES:
        assert all(t(key, lang) for lang in ("en", "uk", "ru")), key


# --- handlers, in-process with the real service -----------------------------------------------------------------


@pytest.fixture
def chat_app():
    from qa.service import default_service
    from qa.web import ChatApp

    return ChatApp(default_service())


def _ask(chat_app, message: str, lang: str = "en") -> tuple[list[dict], str, str]:
    cleared, history, pending = chat_app.add_question(message, [], lang)
    assert cleared == ""
    history, panel, lang, _, _, _ = chat_app.answer(pending, history, 3, lang)
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


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("Who is Kyslytsya?", "What did he read out?", "en"),
        ("Хто такий Кислиця?", "А що він зачитав?", "uk"),
        ("Что Байден сказал гражданам России?", "А ещё?", "ru"),
    ],
)
def test_the_chat_reads_follow_ups_against_its_own_history(chat_app, first, then, lang):
    from qa.web import md_escape

    chat, answers, shown = [], [], None
    for question in (first, then):
        _, chat, pending = chat_app.add_question(question, chat, "")
        chat, _, reply_lang, answers, shown, _ = chat_app.answer(pending, chat, 3, "", "*", answers, shown)
    assert [a["question"] for a in answers] == [first, then] and reply_lang == lang
    reading = answers[-1]["reading"]
    assert reading["kind"] in ("follow-up", "more") and reading["earlier_question"] == first
    key = "answer.follow_up" if reading["kind"] == "follow-up" else "answer.more"
    assert chat[-1]["content"].startswith(f"_{md_escape(t(key, lang, question=first))}_")
    # Clear forgets the conversation: the same question is then read on its own
    chat, _, _, answers = chat_app.clear("*", shown)
    assert chat == [] and answers == []
    chat, _, _, answers, _, _ = chat_app.answer(then, [], 3, "", "*", answers, shown)
    assert (answers[0]["reading"] or {"kind": "alone"})["kind"] == "alone"
    assert not chat[-1]["content"].startswith("_")


def test_service_failure_is_a_kind_reply_not_a_trace(caplog):
    from qa.web import ChatApp, md_escape

    class Broken:
        def ask(self, question: str, k: int, *, document: str | None = None, history: object = None) -> Answer:
            raise QAError("index in /x is corrupt")

        def retriever(self):
            raise QAError("index in /x is corrupt")

    history, panel, lang, answers, _, _ = ChatApp(Broken()).answer("Хто такий Кислиця?", [], 3, "en")
    assert history[-1]["content"] == md_escape(t("error.internal", "uk")) and lang == "uk" and panel == ""
    assert answers == []
    assert "corrupt" in caplog.text  # the detail goes to the server log


def test_examples_on_the_page_are_answered(chat_app):
    from qa.web import EXAMPLES

    for code in ("en", "uk", "ru"):  # the page shows them in its own language
        for key in EXAMPLES:
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
    assert "--allow-private-urls" in out and "QA_ALLOW_PRIVATE_URLS" in out
    assert "127.0.0.1" in out and "7860" in out


# --- pages served from 127.0.0.1, for the URL tests --------------------------------------------------------------

CAPE_WREN_TITLE = "The Keepers of Cape Wren"
AUTOMATED = "The light was automated in 1987, and the last keeper, Margaret Ellis, left the rock that autumn."
CAPE_WREN_HTML = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{CAPE_WREN_TITLE}</title></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About us</a></nav>
<article><h1>{CAPE_WREN_TITLE}</h1>
<p>The lighthouse at Cape Wren was lit for the first time in 1871, after two schooners ran aground on the reef in a
single winter.</p>
<h2>Life on the rock</h2>
<p>Three keepers shared the station, each standing a four-hour watch through the night. Supplies arrived by boat
every second Thursday, weather permitting.</p>
<p>The head keeper kept a log of every ship that passed; on a clear morning in 1903 he counted forty-two sails before
noon.</p>
<h2>Automation</h2>
<p>{AUTOMATED}</p>
<p>Today a solar-powered lamp flashes white every ten seconds and can be seen from twenty nautical miles.</p>
</article><footer>All rights reserved.</footer></body></html>""".encode()
NO_TEXT_HTML = b"""<!doctype html><html><head><title>App</title><script>var app = 1;</script></head>
<body><div id="root"></div><noscript></noscript><script>render(app)</script></body></html>"""


class Pages:
    """A web server on 127.0.0.1: each path answers as a page of its kind would (a 404, a PDF, a slow server…)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        routes = {
            "/cape-wren.html": (200, "text/html; charset=utf-8", CAPE_WREN_HTML),
            "/missing.html": (404, "text/html", b"<h1>Not Found</h1>"),
            "/report.pdf": (200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n"),
            "/photo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
            "/app.html": (200, "text/html; charset=utf-8", NO_TEXT_HTML),
            "/huge.html": (200, "text/html", b"<p>" + b"word " * (2 * 1024 * 1024 + 1) + b"</p>"),
            "/latin1.txt": (
                200,
                "text/plain; charset=utf-8",
                "Caf\u00e9 cr\u00e8me, d\u00e9j\u00e0 vu.".encode("latin-1"),
            ),
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/slow.html":
                    time.sleep(3)  # longer than the fetch timeout the test sets
                if self.path == "/to-file.html":
                    self.send_response(302)
                    self.send_header("Location", "file:///etc/passwd")
                    self.end_headers()
                    return
                hop = re.fullmatch(r"/hop/(\d+)", self.path)
                if self.path == "/loop.html" or hop:
                    self.send_response(302)
                    self.send_header("Location", f"/hop/{int(hop.group(1)) + 1}" if hop else "/loop.html")
                    self.end_headers()
                    return
                status, content_type, body = routes.get(self.path, (404, "text/plain", b"no such page"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:  # the fetcher hung up, as it should on a page that is too big
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a client that hangs up is not an error here
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="pages", daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def pages() -> Iterator[Pages]:
    server = Pages()
    yield server
    server.close()


# --- examples, languages and requests, in-process -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7", "uk"),
        ("de-DE,de;q=0.9,ru;q=0.8,en;q=0.5", "ru"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR", "en"),
        ("ru;q=0.5, uk;q=0.8", "uk"),
        ("uk;q=0, ru", "ru"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_accepted_language(header, lang):
    from qa.web import accepted_language

    assert accepted_language(header) == lang


def test_candidate_questions_come_from_the_document_s_own_words(tmp_path):
    from qa.web.examples import candidates

    page = tmp_path / "cape-wren.html"
    page.write_bytes(CAPE_WREN_HTML)
    doc = load_source(page)
    tried = [(c.key, c.fields, c.words) for c in candidates(doc.text, doc.paragraphs, doc.sentences, doc.title)]
    assert tried == [
        ("example.year", {"year": "1871"}, ("1871",)),
        ("example.year", {"year": "1903"}, ("1903",)),
        ("example.topic", {"topic": "Margaret Ellis"}, ("Margaret Ellis",)),  # not "Cape Wren": the title's
        ("example.topic", {"topic": "keeper"}, ("keeper",)),
        ("example.topic", {"topic": "lighthouse"}, ("lighthouse",)),
        # the two rarest words of each paragraph's first sentence, then of its second ("weather": not "Supplies",
        # which starts the sentence, nor "arrived", a verb)
        ("example.pair", {"a": "lighthouse", "b": "Cape Wren"}, ("lighthouse", "Cape Wren")),
        ("example.pair", {"a": "keepers", "b": "four-hour"}, ("keepers", "four-hour")),
        ("example.pair", {"a": "clear", "b": "forty-two"}, ("clear", "forty-two")),
        ("example.pair", {"a": "Margaret Ellis", "b": "autumn"}, ("Margaret Ellis", "autumn")),
        ("example.pair", {"a": "flashes", "b": "nautical"}, ("flashes", "nautical")),
        ("example.pair", {"a": "Thursday", "b": "weather"}, ("Thursday", "weather")),
        ("example.title", {"title": CAPE_WREN_TITLE}, ()),
        ("example.about", {}, ()),
    ]  # no heading: asked about, a heading quotes itself first


@pytest.fixture(scope="module")
def library(bundled_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """A ChatApp on its own copy of the bundled index, allowed to fetch from 127.0.0.1 (the `pages` server)."""
    from qa.service import LiveRetriever
    from qa.web import ChatApp

    index_dir = tmp_path_factory.mktemp("web-library") / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return ChatApp(LiveRetriever(index_dir), allow_private_urls=True)


def _live(app) -> tuple[str, str]:
    """The live build's name and manifest: what a failed add must leave as it was."""
    index_dir = app.service.index_dir
    build = (index_dir / "CURRENT").read_text()
    return build, (index_dir / build / "manifest.json").read_text()


def _finish(job, timeout: float = 300):
    assert job.finished.wait(timeout), f"adding {job.label} did not finish"
    return job


@pytest.mark.parametrize(
    ("question", "k", "history", "document", "status", "key", "lang"),
    [
        (None, 3, None, None, 400, "error.missing_question", "en"),
        (42, 3, None, None, 400, "error.missing_question", "en"),
        ("Хто такий Кислиця?", 0, None, None, 400, "error.bad_k", "uk"),
        ("Хто такий Кислиця?", "3", None, None, 400, "error.bad_k", "uk"),
        ("Кто такой Кислица?", 3, "Кто?", None, 400, "error.bad_history", "ru"),
        ("Кто такой Кислица?", 3, [1, 2], None, 400, "error.bad_history", "ru"),
        ("Кто такой Кислица?", 3, [{"answer": "x"}], None, 400, "error.bad_history", "ru"),
        ("Кто такой Кислица?", 3, ["Кто?"] * (MAX_HISTORY + 1), None, 400, "error.bad_history", "ru"),
        ("Кто такой Кислица?", 3, [{"question": "Кто?", "citations": "все"}], None, 400, "error.bad_history", "ru"),
        ("Who is Kyslytsya?", 3, None, 7, 400, "error.bad_document", "en"),
        ("Who is Kyslytsya?", 3, None, "no-such-document", 404, "error.unknown_document", "en"),
        ("   ", 3, None, None, 400, "error.empty_question", "en"),
    ],
)
def test_bad_requests_are_refused_in_the_question_language(library, question, k, history, document, status, key, lang):
    from qa.web import BadRequest

    with pytest.raises(BadRequest) as caught:
        library.ask_request(question, k, history, document)
    fields = {"limit": 20 if key == "error.bad_k" else MAX_HISTORY, "document": document}
    assert (caught.value.status, caught.value.message) == (status, t(key, lang, **fields))


def test_json_requests(library):
    ok, answer = library.json_ask(b'{"question": "Who is Kyslytsya?", "k": 2, "document": "article"}')
    assert ok == 200 and len(answer["citations"]) == 2
    assert {c["document_id"] for c in answer["citations"]} == {"article"}
    for body in (b"", b"{", b"[1, 2]", b'"Who?"', b"\xff\xfe\x00"):
        assert library.json_ask(body) == (400, {"error": t("error.bad_json", "en")}), body


# --- adding documents, in-process: the real model, a copy of the bundled index, pages from 127.0.0.1 -------------


def test_adding_a_web_page_switches_the_panel_and_the_examples(library, pages):
    from qa.web import ALL_DOCUMENTS, progress_html

    job = _finish(library.library.add_url(pages.url("/cape-wren.html"), "uk"))
    assert job.phase == "done" and job.error is None and job.title == CAPE_WREN_TITLE and not job.unchanged
    assert t("library.added", "uk", title=CAPE_WREN_TITLE) in html.unescape(progress_html(job, "uk"))
    ids = [d.id for d in library.service.retriever().documents]
    assert ids == ["article", job.document]
    # the picker lists it by title; its panel and examples are its own
    assert library.choices("ru") == [
        (t("ui.all_documents", "ru"), ALL_DOCUMENTS),
        (library.service.retriever().documents[0].title, "article"),
        (CAPE_WREN_TITLE, job.document),
    ]
    panel, shown = library.article_view((), job.document)
    assert shown == job.document and AUTOMATED in html.unescape(panel) and "Kyslytsya" not in panel
    assert_answered_examples(library, job.document, "en")
    # asked about this document only, the answer quotes it, and the panel marks the quote
    history, panel, lang, answers, shown, _ = library.answer("When was the light automated?", [], 3, "", job.document)
    assert AUTOMATED in history[-1]["content"] and shown == job.document
    assert f'data-cite="1">{html.escape(AUTOMATED, quote=False)}</mark>' in panel
    assert {c["document_id"] for c in answers[0]["citations"]} == {job.document}
    # asked about all documents, a question about the article is answered from the article
    history, panel, _, _, shown, _ = library.answer("Who is Kyslytsya?", [], 3, "en", ALL_DOCUMENTS)
    assert shown == "article" and "Kyslytsya" in history[-1]["content"]
    # the same page again is already there: nothing is rebuilt
    build = _live(library)
    again = _finish(library.library.add_url(pages.url("/cape-wren.html"), "en"))
    assert again.unchanged and again.document == job.document and _live(library) == build
    assert t("library.already", "en", title=CAPE_WREN_TITLE) in html.unescape(progress_html(again, "en"))


BEES_MD = """# The Orchard Beekeepers

## Hives

The cooperative keeps sixty hives on the south slope of the orchard. Each hive is inspected every nine days from
April to September.

## Honey

Last season the members harvested eleven hundred kilograms of linden honey. Half of it was sold at the Saturday
market in the old town square.
"""


def test_adding_an_uploaded_file_and_pasted_text(library, tmp_path):
    upload = tmp_path / "bees.md"
    upload.write_text(BEES_MD, encoding="utf-8")
    job = _finish(library.library.add_file(str(upload), "en"))
    assert job.phase == "done" and job.title == "The Orchard Beekeepers"
    answer = library.service.ask("How much honey did they harvest?", 1, document=job.document)
    assert answer.citations[0].text == "Last season the members harvested eleven hundred kilograms of linden honey."
    assert_answered_examples(library, job.document, "ru")

    ferry = "The river ferry runs every forty minutes.\n\nIts captain, Oksana Hrytsenko, has crossed it 9,000 times.\n"
    job = _finish(library.library.add_text(ferry, "  The   river ferry ", "ru"))
    assert job.phase == "done" and job.title == "The river ferry"
    entry = library.service.retriever().documents[-1]
    assert entry.kind == "pasted" and entry.id == job.document
    answer = library.service.ask("How often does the ferry run?", 1, document=job.document)
    assert answer.citations[0].text == "The river ferry runs every forty minutes."


def _bad_upload(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    data = {
        "report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n",
        "photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        "cp1251.txt": "Київ — столиця України. Це місто на Дніпрі.".encode("cp1251"),
        "utf16.md": "# Київ\n\nКиїв — столиця України.".encode("utf-16"),
        "big.txt": b"A sentence about nothing in particular. " * (5 * 1024 * 1024 // 40 + 1),
        "menu.html": NO_TEXT_HTML,
        "empty.md": b"   \n\n",
        "blank.txt": b"",
    }[name]
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("name", "key", "fields"),
    [
        ("report.pdf", "library.error.file_type", {}),
        ("photo.txt", "library.error.binary", {}),
        ("cp1251.txt", "library.error.encoding", {}),
        ("utf16.md", "library.error.encoding", {}),
        ("big.txt", "library.error.too_large", {"limit": 5}),
        ("menu.html", "library.error.no_text", {}),
        ("empty.md", "library.error.empty", {}),  # was "only navigation, scripts or markup"; the CLI: "is empty"
        ("blank.txt", "library.error.empty", {}),
    ],
)
def test_bad_uploads_get_one_line_naming_the_file_and_leave_the_index(library, tmp_path, name, key, fields):
    from types import SimpleNamespace

    before = _live(library)
    ukrainian_page = SimpleNamespace(headers={"accept-language": "uk-UA,uk;q=0.9"})
    *_, (status, added) = list(library.add_file(_bad_upload(tmp_path, name), ukrainian_page))
    assert added is None
    line = html.unescape(re.sub(r"<[^>]+>", "", status))
    assert line == t(key, "uk", source=f"«{name}»", **fields) and "\n" not in line
    assert _live(library) == before
    assert (tmp_path / name).exists()  # a file outside gradio's upload folder is never removed


@pytest.mark.parametrize(
    ("path", "key", "fields"),
    [
        ("/missing.html", "library.error.http", {"status": "404 Not Found"}),
        ("/report.pdf", "library.error.not_page", {"type": "application/pdf"}),
        ("/photo.png", "library.error.not_page", {"type": "image/png"}),
        ("/app.html", "library.error.no_text", {}),
        ("/huge.html", "library.error.too_large_page", {"limit": 10}),
        ("/latin1.txt", "library.error.encoding", {}),
        ("/loop.html", "library.error.redirect", {}),  # to itself
        ("/hop/1", "library.error.redirect", {}),  # on and on
        ("/to-file.html", "library.error.redirect", {}),  # to a file on this machine
        ("/slow.html", "library.error.timeout", {}),
    ],
)
def test_bad_pages_get_one_line_naming_the_url_and_leave_the_index(library, pages, monkeypatch, path, key, fields):
    import functools

    import qa.sources
    from qa.sources.url import fetch

    monkeypatch.setattr(qa.sources, "fetch", functools.partial(fetch, timeout=1.0))  # /slow.html waits 3 s
    before = _live(library)
    url = pages.url(path)
    job = _finish(library.library.add_url(url, "ru"))
    assert job.phase == "failed" and job.error == (key, {"source": url, **fields})
    assert _live(library) == before


def test_unreachable_server(library):
    url = f"http://127.0.0.1:{_free_port()}/article.html"  # nothing listens there
    job = _finish(library.library.add_url(url, "en"))
    assert job.error == ("library.error.refused", {"source": url})


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("file:///etc/passwd", "library.error.scheme"),
        ("ftp://127.0.0.1/article.txt", "library.error.scheme"),
        ("javascript:alert(1)", "library.error.scheme"),
        ("http://", "library.error.scheme"),
        ("http://127.0.0.1:99999/", "library.error.scheme"),
        ("", "library.error.nothing"),
    ],
)
def test_urls_that_are_not_web_addresses(library, url, key):
    job = library.library.add_url(url, "en")
    assert job.finished.is_set() and job.error is not None and job.error[0] == key


def test_private_and_loopback_urls_are_refused_unless_allowed(library, pages):
    from qa.web import Library

    strict = Library(library.service)  # as `qa serve` runs by default
    before = _live(library)
    for host in ("127.0.0.1", "localhost"):
        url = pages.url("/cape-wren.html").replace("127.0.0.1", host)
        job = _finish(strict.add_url(url, "uk"))
        assert job.error == ("library.error.private", {"source": url}), host
    assert _live(library) == before


def test_a_url_pointing_at_the_app_itself_is_refused(library, pages):
    from qa.web import Library

    own = Library(library.service, allow_private_urls=True, own_port=pages.port)  # as if the app served there
    for host in ("127.0.0.1", "localhost", "0.0.0.0"):
        url = f"http://{host}:{pages.port}/"
        job = own.add_url(url, "en")
        assert job.finished.is_set() and job.error == ("library.error.self", {"source": url}), host


def test_suggested_questions_are_answered_by_the_document_in_the_page_language(library, pages, tmp_path):
    """Suggestions for a new document used to fail: "What is this article about?" and "Кто упоминается в статье?"
    got "the article doesn't seem to answer", "Яка головна думка статті?" cited the headline as closely related."""
    cape = _finish(library.library.add_url(pages.url("/cape-wren.html"), "en")).document
    upload = tmp_path / "bees.md"
    upload.write_text(BEES_MD, encoding="utf-8")
    bees = _finish(library.library.add_file(str(upload), "en")).document
    ferry = "The river ferry runs every forty minutes.\n\nIts captain, Oksana Hrytsenko, has crossed it 9,000 times.\n"
    pasted = _finish(library.library.add_text(ferry, "The river ferry", "en")).document
    for lang in ("en", "uk", "ru"):
        for document in (cape, bees, pasted):
            assert_answered_examples(library, document, lang)


def assert_answered_examples(app, document: str, lang: str) -> list[str]:
    """The examples offered for `document` on a page in `lang`: some, all in `lang`, each answered when asked of
    the document (as the page asks it once the document is picked) with a first quote that is not a heading."""
    from qa.language import question_language
    from qa.web.examples import MAX_EXAMPLES

    offered = [question for (question,) in app.examples(document, lang)]
    assert 0 < len(offered) <= MAX_EXAMPLES, (document, lang)
    paragraphs = app.service.retriever().index.paragraphs[_position(app, document)]
    for question in offered:
        assert question_language(question) == lang, question
        answer = app.service.ask(question, 3, document=document)
        assert answer.answered, (document, question)
        assert paragraphs[answer.citations[0].paragraph].kind != "heading", (document, question)
    return offered


def _position(app, document: str) -> int:
    return [d.id for d in app.service.retriever().documents].index(document)


def test_suggestions_are_asked_once_per_document_and_language(library, pages, monkeypatch):
    import qa.service

    cape = _finish(library.library.add_url(pages.url("/cape-wren.html"), "en")).document
    first = library.examples(cape, "ru")
    asked = []
    real = qa.service.Retriever.ask
    monkeypatch.setattr(qa.service.Retriever, "ask", lambda self, *a, **k: asked.append(a) or real(self, *a, **k))
    assert library.examples(cape, "ru") == first and asked == []
    from qa.web.examples import MAX_ASKED

    library._examples.clear()
    library.examples(cape, "ru")
    assert 0 < len(asked) <= MAX_ASKED


def test_the_bundled_article_offers_its_own_examples_in_the_page_language(library):
    from qa.web import EXAMPLES

    for lang in ("en", "uk", "ru"):
        assert library.examples("article", lang) == [[t(key, lang)] for key in EXAMPLES]


def test_a_switch_of_document_starts_a_new_thread(library, pages):
    """A question asked after the picker moved to another document (or a document just added) used to be read as a
    follow-up to a question about the one before; so did an example clicked then."""
    cape = _finish(library.library.add_url(pages.url("/cape-wren.html"), "en")).document
    chat, answers, shown, thread = [], [], None, ALL_THREAD
    for question in ("Who is Kyslytsya?", "What did he read out?"):  # one document: a follow-up is one
        chat, _, _, answers, shown, thread = library.answer(question, chat, 3, "", "article", answers, shown, thread)
    assert thread == "article" and answers[-1]["reading"]["kind"] == "follow-up"
    # the picker moves to the lighthouse: the same kind of question now starts a thread of its own
    then = "What did he do then?"
    chat, _, _, answers, shown, thread = library.answer(then, chat, 3, "", cape, answers, shown, thread)
    assert [a["question"] for a in answers] == [then] and not _read_as_follow_up(answers[0])
    assert thread == cape and {c["document_id"] for c in answers[0]["citations"]} == {cape}
    # back to "All articles": another new thread
    chat, _, _, answers, _, thread = library.answer("And then?", chat, 3, "", ALL_THREAD, answers, shown, thread)
    assert len(answers) == 1 and not _read_as_follow_up(answers[0]) and thread == ALL_THREAD
    # an example starts a new thread whatever the picker: it is a whole question, maybe about another document
    cleared, chat, pending, answers = library.example(["When was the light automated?"], chat, "")
    assert (cleared, pending, answers) == ("", "When was the light automated?", [])


ALL_THREAD = "*"


def _read_as_follow_up(answer: dict) -> bool:
    return (answer["reading"] or {"kind": "alone"})["kind"] != "alone"


def test_questions_are_answered_from_the_live_index_while_a_document_is_added(library):
    """Adding a long text takes seconds of embedding; questions asked meanwhile are answered, from the old index."""
    before = {d.id for d in library.service.retriever().documents}
    sentences = [f"Station {n} on the northern line opened in the year {1900 + n}." for n in range(400)]
    job = library.library.add_text("\n\n".join(sentences), "Northern line stations", "en")
    during = []
    while not job.finished.is_set():
        # Until the last passage is embedded, the new build cannot be live: this answer is the old index's.
        embedding = job.phase == "embedding" and job.done < job.total
        answer = library.service.ask("Who is Kyslytsya?", 3)
        if embedding:
            during.append(answer)
        job.finished.wait(0.1)  # a question now and then: a busy loop of them slowed the embedding it waits for
    _finish(job)
    assert job.phase == "done", job.error
    assert during, "no question was answered while the text was being embedded"
    assert all({c.document_id for c in a.citations} <= before for a in during)
    assert "Kyslytsya" in during[-1].citations[0].text
    assert job.document in {d.id for d in library.service.retriever().documents}


# --- POST /api/ask and /ask with history and document, on the real app ----------------------------------------


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str, object]:
    """(status, content type, decoded JSON) of a POST, with urllib as any non-Python client would send it."""
    import json
    import urllib.error

    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get_content_type(), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), json.loads(exc.read())


def test_json_api_answers_like_the_gradio_endpoint(library_server):
    import json

    from gradio_client import Client

    url = library_server.url + "api/ask"
    question = {"question": "Хто такий Кислиця?", "k": 2, "history": [], "document": None}
    status, kind, answer = post(url, json.dumps(question).encode(), {"Content-Type": "application/json"})
    assert (status, kind) == (200, "application/json")
    assert answer == Client(library_server.url, verbose=False).predict(
        "Хто такий Кислиця?", 2, [], None, api_name="/ask"
    )
    assert answer["language"] == "uk" and len(answer["citations"]) == 2
    assert answer["citations"][0]["document_id"] == "article"  # other tests may have added documents
    for c in answer["citations"]:
        assert c["document_id"] != "article" or ARTICLE[c["start"] : c["end"]] == c["text"]
    # k defaults to 3; no content type needed (curl -d sends a form's); one document only
    status, _, answer = post(url, b'{"question": "Who is Kyslytsya?", "document": "article"}')
    assert status == 200 and len(answer["citations"]) == 3
    assert {c["document_id"] for c in answer["citations"]} == {"article"}
    # a question in lone surrogates is returned as asked, as JSON escapes
    status, _, answer = post(url, b'{"question": "Who is Kyslytsya? \\ud800"}')
    assert status == 200 and answer["question"] == "Who is Kyslytsya? \ud800"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"Who is Kyslytsya?", 400, t("error.bad_json", "en")),
        (b'["Who is Kyslytsya?"]', 400, t("error.bad_json", "en")),
        (b'{"k": 3}', 400, t("error.missing_question", "en")),
        ('{"question": "Хто такий Кислиця?", "k": 50}'.encode(), 400, t("error.bad_k", "uk", limit=20)),
        (
            '{"question": "Кто такой Кислица?", "history": "Кто?"}'.encode(),
            400,
            t("error.bad_history", "ru", limit=MAX_HISTORY),
        ),
        (
            '{"question": "Кто такой Кислица?", "document": "nope"}'.encode(),
            404,
            t("error.unknown_document", "ru", document="nope"),
        ),
        (b'{"question": "   "}', 400, t("error.empty_question", "en")),
        (b'{"question": "' + "Чому ".encode() * 500 + b'"}', 400, None),
        (b'{"question": "' + b"x" * (3 * 1024 * 1024) + b'"}', 413, t("error.request_too_large", "en", limit=2048)),
    ],
)
def test_json_api_refuses_bad_requests_with_a_json_error(library_server, body, status, message):
    got, kind, payload = post(library_server.url + "api/ask", body)
    assert (got, kind) == (status, "application/json") and list(payload) == ["error"]
    expected = message or t("error.question_too_long", "uk", length=2500, limit=MAX_QUESTION_CHARS)
    assert payload["error"] == expected
    assert "Traceback" not in library_server.output()


def test_an_upload_over_the_hard_limit_is_refused_before_it_is_all_received(library_server):
    """gradio stops reading an upload at twice the app's limit and says 413; nothing of it stays on the server (a
    refused 30 MB file used to stay in gradio's folder for good)."""
    import http.client

    boundary = "qa-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    size = 30 * 1024 * 1024
    connection = http.client.HTTPConnection("127.0.0.1", library_server.port, timeout=60)
    connection.putrequest("POST", "/gradio_api/upload")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + size + len(boundary) + 8))
    connection.endheaders()
    sent = 0
    try:
        connection.send(head)
        chunk = b"A sentence about nothing in particular. " * 26_000  # about 1 MB
        while sent < size:
            connection.send(chunk[: size - sent])
            sent += len(chunk[: size - sent])
        connection.send(f"\r\n--{boundary}--\r\n".encode())
    except OSError:  # the server answered and hung up before the end: as it should
        pass
    response = connection.getresponse()
    assert response.status == 413 and "maximum allowed size" in response.read().decode()
    connection.close()
    time.sleep(0.5)
    assert "huge.txt" not in uploaded_files(library_server)


def test_json_api_is_post_only(library_server):
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(library_server.url + "api/ask", timeout=10)
    assert caught.value.code == 405


def test_gradio_endpoint_takes_history_and_document(library_server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(library_server.url, verbose=False)
    answer = client.predict(question="Who is Kyslytsya?", k=2, document="article", api_name="/ask")
    assert {c["document_id"] for c in answer["citations"]} == {"article"}
    earlier = client.predict("Who is Kyslytsya?", 1, api_name="/ask")
    assert earlier["reading"] is None  # asked without a history
    for history in ([earlier], ["Who is Kyslytsya?"]):
        follow = client.predict("What did he read out?", 1, history, None, api_name="/ask")
        assert follow["reading"] == {"kind": "follow-up", "earlier_question": "Who is Kyslytsya?", "turn": 0}
        assert "read out" in follow["citations"][0]["text"]
    for history, document, message in [
        ([1], None, t("error.bad_history", "en", limit=MAX_HISTORY)),
        (None, "nope", t("error.unknown_document", "en", document="nope")),
    ]:
        with pytest.raises(AppError) as caught:
            client.predict("Who is Kyslytsya?", 3, history, document, api_name="/ask")
        assert message in str(caught.value)
