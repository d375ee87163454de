"""End to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright; no browser is downloaded).

A person types a question, the answer quotes the article and the article panel highlights the same sentences;
markup typed into the chat is shown as text and never runs; the page fetches nothing from outside localhost.
On the library app (`library_server`): an uploaded file or a web page joins the library and the panel, the picker
and the examples switch to it; the picker asks one document; a follow-up says how it was read.
Screenshots of real answers (laptop and phone width) are saved to $QA_SCREENSHOT_DIR, default a temp folder, so a
test run leaves the work tree clean; refresh the README's with QA_SCREENSHOT_DIR=docs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.language import question_language
from qa.messages import t
from tests.conftest import CHROMIUM
from tests.test_access import owned_server  # noqa: F401 - an app on 0.0.0.0 with an owner token
from tests.test_web import (  # noqa: F401 - the servers are the session's, shared with test_web.py
    AUTOMATED,
    BEES_MD,
    CAPE_WREN_TITLE,
    CASUALTIES,
    KLITSCHKO,
    REPO,
    AppServer,
    Pages,
    app_server,
    library_server,
    pages,
    uploaded_files,
)

QA = Path(sys.executable).with_name("qa")
DOCS = Path(os.environ.get("QA_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "qa-screenshots")
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000
# Every request that does not go to this machine (or stay in the page): recorded and blocked.
_NOT_LOCAL = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?(?:/|$)|data:|blob:)")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install chromium); CI installs it",
)


class Page:
    """A fresh page on the app that records dialogs and every request that leaves localhost (and blocks it)."""

    def __init__(self, browser, url: str, viewport: dict[str, int], locale: str) -> None:
        self.context = browser.new_context(viewport=viewport, locale=locale)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.route(_NOT_LOCAL, self._route)  # matched by the browser's driver: local requests never wait on us
        self.page.goto(url)
        self.page.wait_for_selector("#qa-question textarea")

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        self.outside.append(route.request.url)
        route.abort()

    def ask(self, question: str) -> None:
        replies = self.page.locator("#qa-chat .bot-row").count()
        box = self.page.locator("#qa-question textarea")
        box.fill(question)
        box.press("Enter")
        self.page.locator("#qa-chat .bot-row").nth(replies).wait_for()

    def last_reply(self) -> str:
        return self.page.locator("#qa-chat .bot-row").last.inner_text()

    def marks(self) -> dict[str, str]:
        self.page.wait_for_timeout(300)  # the panel's smooth scroll, so screenshots show the highlight
        marks = self.page.locator("#qa-article mark.qa-cite")
        return {marks.nth(i).get_attribute("data-cite"): marks.nth(i).inner_text() for i in range(marks.count())}

    def close(self) -> None:
        self.context.close()


def _laptop_page(browser, server: AppServer) -> Iterator[Page]:
    page = Page(browser, server.url, LAPTOP, "uk-UA")
    yield page
    assert page.outside == [], "the page fetched from outside localhost"
    page.close()


@pytest.fixture
def laptop(browser, app_server: AppServer) -> Iterator[Page]:  # noqa: F811
    yield from _laptop_page(browser, app_server)


def test_a_request_leaving_this_machine_is_recorded_and_blocked(laptop: Page):
    """The guard every browser test ends with (`outside == []`) sees what it must."""
    status = laptop.page.evaluate("() => fetch('https://example.com/x').then(r => r.status, () => 'blocked')")
    assert (status, laptop.outside) == ("blocked", ["https://example.com/x"])
    laptop.outside.clear()


def test_ukrainian_question_is_answered_and_highlighted(laptop: Page):
    laptop.ask("Скільки російських солдатів загинуло?")
    reply = laptop.last_reply()
    assert CASUALTIES in reply
    assert t("answer.lead", "uk") in reply or t("answer.weak_lead", "uk") in reply
    assert t("answer.detected_language", "uk", language="українська") in reply
    marks = laptop.marks()
    number = next(n for n, text in marks.items() if CASUALTIES in text)
    assert f"[{number}] {CASUALTIES}" in reply  # the marker in the chat is the number in the article
    # the page chrome follows the browser's language
    assert laptop.page.locator("#qa-question textarea").get_attribute("placeholder") == t("ui.placeholder", "uk")
    DOCS.mkdir(parents=True, exist_ok=True)
    laptop.page.screenshot(path=str(DOCS / "screenshot.png"))


def test_markup_in_a_question_is_shown_as_text_and_never_runs(laptop: Page):
    attack = "<img src=x onerror=alert(1)>"
    laptop.ask(attack)
    laptop.ask('<script>alert(2)</script> [click](javascript:alert(3)) **bold** "${7*7}"')
    asked = laptop.page.locator("#qa-chat .user-row")
    assert attack in asked.nth(0).inner_text()
    assert "<script>alert(2)</script> [click](javascript:alert(3)) **bold**" in asked.nth(1).inner_text()
    chat = laptop.page.locator("#qa-chat")
    assert chat.locator("img").count() == 0 and chat.locator("script").count() == 0
    assert chat.locator(".user-row a").count() == 0 and chat.locator(".user-row strong").count() == 0
    laptop.page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert laptop.dialogs == []


def test_bad_input_gets_a_friendly_reply(laptop: Page):
    laptop.ask("🙂🙂")
    assert t("error.no_letters", "en") in laptop.last_reply()
    laptop.ask("Що " + "дуже " * 450)
    assert t("error.question_too_long", "uk", length=len("Що " + "дуже " * 450), limit=2000) in laptop.last_reply()
    assert laptop.page.locator("#qa-article mark").count() == 0


def test_example_click_and_clear_at_phone_width(browser, app_server: AppServer):  # noqa: F811
    page = Page(browser, app_server.url, PHONE, "ru-RU")
    try:
        page.page.get_by_text(t("example.klitschko", "ru"), exact=True).click()
        page.page.locator("#qa-chat .bot-row").first.wait_for()
        reply = page.last_reply()
        assert KLITSCHKO in reply and t("answer.detected_language", "ru", language="русский") in reply
        assert any(KLITSCHKO in text for text in page.marks().values())
        # nothing is wider than the phone: no sideways scrolling
        assert page.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        DOCS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(DOCS / "screenshot-phone.png"))
        page.page.get_by_role("button", name=t("ui.clear", "ru"), exact=True).click()
        page.page.locator("#qa-chat .bot-row").first.wait_for(state="detached")
        assert page.page.locator("#qa-article mark").count() == 0
        assert page.outside == []
    finally:
        page.close()


# --- the library: adding articles, the picker, a conversation ----------------------------------------------------


@pytest.fixture
def library_page(browser, library_server: AppServer) -> Iterator[Page]:  # noqa: F811
    yield from _laptop_page(browser, library_server)


def _open_library(page: Page, tab: str) -> None:
    page.page.get_by_text(t("ui.library_heading", "uk"), exact=True).click()
    page.page.get_by_role("tab", name=t(tab, "uk"), exact=True).click()


def _status(page: Page, kind: str) -> str:
    """The line the add ends with: kind "done" or "error"."""
    status = page.page.locator(f"#qa-add-status .qa-status-{kind}")
    status.wait_for(timeout=120_000)
    return status.inner_text()


def _picked(page: Page, expected: str) -> bool:
    """Whether the picker shows `expected` (it follows an add a moment after the status line)."""
    from playwright.sync_api import expect

    expect(page.page.locator("#qa-picker input")).to_have_value(expected)
    return True


def _pick(page: Page, label: str) -> None:
    page.page.locator("#qa-picker input").click()
    page.page.get_by_role("option", name=label, exact=True).click()


def test_an_uploaded_file_joins_the_library_and_the_page_switches_to_it(library_page: Page, library_server, tmp_path):  # noqa: F811
    page = library_page.page
    upload = tmp_path / "bees.md"
    upload.write_text(BEES_MD, encoding="utf-8")
    _open_library(library_page, "ui.source_file")
    page.locator("#qa-file input[type=file]").set_input_files(str(upload))
    page.locator("#qa-file").get_by_text("bees.md").wait_for()  # uploaded: the component shows it
    page.locator("#qa-add-file").click()
    assert _status(library_page, "done") == t("library.added", "uk", title="The Orchard Beekeepers")
    # it is recorded by the name it was uploaded with, and the uploaded file is gone from the server
    info = subprocess.run([str(QA), "index", "info", "--index-dir", str(library_server.index_dir)],
                          capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    entry = info.split("\nbees ")[1].split("\n")
    assert entry[1].strip() == "markdown, en, 7 sentences, upload: bees.md" and entry[2].strip() == "fresh"
    assert str(library_server.uploads) not in info and "bees.md" not in uploaded_files(library_server)
    # the picker is set to it, the panel shows it, and the examples are made for it
    assert _picked(library_page, "The Orchard Beekeepers")
    panel = page.locator("#qa-article")
    panel.get_by_text("The cooperative keeps sixty hives", exact=False).wait_for()
    assert "Kyslytsya" not in panel.inner_text()
    # the examples are made for it, in the page's language (test_web checks that each is answered)
    chips = [line for line in page.locator("#qa-examples").inner_text().splitlines()[1:] if line.strip()]
    assert chips and all(question_language(chip) == "uk" for chip in chips), chips
    assert not any("Kyslytsya" in chip or "Кислиц" in chip for chip in chips)
    # a question now goes to this article, and the panel marks what the answer quotes
    library_page.ask("Скільки меду зібрали?")
    harvest = "Last season the members harvested eleven hundred kilograms of linden honey."
    assert harvest in library_page.last_reply() and "The Orchard Beekeepers" in library_page.last_reply()
    assert any(harvest in text for text in library_page.marks().values())
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "screenshot-library.png"), full_page=True)


def test_a_file_over_the_limit_gets_one_line_in_the_asker_language(library_page: Page, library_server, tmp_path):  # noqa: F811
    big = tmp_path / "big.txt"
    big.write_bytes(b"A sentence about nothing in particular. " * (6 * 1024 * 1024 // 40))
    _open_library(library_page, "ui.source_file")
    library_page.page.locator("#qa-file input[type=file]").set_input_files(str(big))
    library_page.page.locator("#qa-file").get_by_text("big.txt").wait_for()
    library_page.page.locator("#qa-add-file").click()
    assert _status(library_page, "error") == t("library.error.too_large", "uk", source="«big.txt»", limit=5)
    # refused, it is removed from the server, and the file field is emptied for another choice
    library_page.page.locator("#qa-file").get_by_text("big.txt").wait_for(state="detached")
    assert "big.txt" not in uploaded_files(library_server)


def test_an_empty_upload_is_called_empty_in_the_page_language(library_page: Page, library_server, tmp_path):  # noqa: F811
    """An empty file used to be "only navigation, scripts or markup" (the CLI: "source file is empty"), and upload
    messages followed the last question's language rather than the page's."""
    library_page.ask("Кто такой Кислица?")  # a Russian question on a Ukrainian page
    empty = tmp_path / "notes.txt"
    empty.write_bytes(b"  \n\n ")
    _open_library(library_page, "ui.source_file")
    library_page.page.locator("#qa-file input[type=file]").set_input_files(str(empty))
    library_page.page.locator("#qa-file").get_by_text("notes.txt").wait_for()
    library_page.page.locator("#qa-add-file").click()
    assert _status(library_page, "error") == t("library.error.empty", "uk", source="«notes.txt»")
    assert "notes.txt" not in uploaded_files(library_server)


def test_the_picker_asks_one_article_and_all_of_them(browser, library_server, library_page: Page, pages: Pages):  # noqa: F811
    page = library_page.page
    other = Page(browser, library_server.url, LAPTOP, "en-GB")  # someone else, on the page since before
    # a web page joins too; a page that is not there is one line, in Ukrainian, and nothing changes
    _open_library(library_page, "ui.source_url")
    missing = pages.url("/missing.html")
    page.locator("#qa-url textarea, #qa-url input").first.fill(missing)
    page.locator("#qa-add-url").click()
    assert _status(library_page, "error") == t("library.error.http", "uk", source=missing, status="404 Not Found")
    assert _picked(library_page, t("ui.all_documents", "uk"))
    assert page.locator("#qa-url textarea, #qa-url input").first.input_value() == missing  # kept, to be fixed
    page.locator("#qa-url textarea, #qa-url input").first.fill(pages.url("/cape-wren.html"))
    page.locator("#qa-add-url").click()
    assert _status(library_page, "done") in (
        t("library.added", "uk", title=CAPE_WREN_TITLE),
        t("library.already", "uk", title=CAPE_WREN_TITLE),
    )
    assert _picked(library_page, CAPE_WREN_TITLE)
    assert page.locator("#qa-url textarea, #qa-url input").first.input_value() == ""  # emptied once added
    # one article: the answer quotes only it
    library_page.ask("When was the light automated?")
    assert AUTOMATED in library_page.last_reply()
    assert any(AUTOMATED in text for text in library_page.marks().values())
    # the bundled article, picked by its title: the panel switches to it before anything is asked
    bundled = "Ukrainian Officials Are Appealing Directly to Russian Soldiers and Their Families as Casualties Mount"
    _pick(library_page, bundled)
    page.locator("#qa-article").get_by_text("Kyslytsya asked representatives", exact=False).wait_for()
    library_page.ask("When was the light automated?")
    assert AUTOMATED not in library_page.last_reply()
    # all of them: a question about the article is answered from the article, with its title
    _pick(library_page, t("ui.all_documents", "uk"))
    library_page.ask("Скільки російських солдатів загинуло?")
    assert CASUALTIES in library_page.last_reply() and bundled in library_page.last_reply()
    assert any(CASUALTIES in text for text in library_page.marks().values())
    # the other person's picker lists the new page once they open it
    try:
        _pick(other, CAPE_WREN_TITLE)
        other.page.locator("#qa-article").get_by_text(AUTOMATED).wait_for()
        assert other.outside == []
    finally:
        other.close()


def test_a_follow_up_says_how_it_was_read(library_page: Page):
    library_page.ask("Хто такий Кислиця?")
    first = library_page.last_reply()
    assert t("answer.follow_up", "uk", question="Хто такий Кислиця?") not in first
    library_page.ask("А що він зачитав?")
    reply = library_page.last_reply()
    assert t("answer.follow_up", "uk", question="Хто такий Кислиця?") in reply
    assert library_page.marks()  # the panel marks what the follow-up quotes
    # the chat brings the new question to its top, the answer below it
    library_page.page.wait_for_function(
        """() => {
          const box = document.querySelector('#qa-chat .panel-wrap');
          const asked = box.querySelectorAll('.user-row');
          const top = asked[asked.length - 1].getBoundingClientRect().top - box.getBoundingClientRect().top;
          return asked.length === 2 && box.scrollTop > 0 && Math.abs(top) < 40;
        }"""
    )
    DOCS.mkdir(parents=True, exist_ok=True)
    library_page.page.screenshot(path=str(DOCS / "screenshot-follow-up.png"))
    # Clear starts a new conversation: the same question is read on its own
    library_page.page.get_by_role("button", name=t("ui.clear", "uk"), exact=True).click()
    library_page.page.locator("#qa-chat .bot-row").first.wait_for(state="detached")
    library_page.ask("А що він зачитав?")
    assert t("answer.follow_up", "uk", question="Хто такий Кислиця?") not in library_page.last_reply()


def test_the_app_refuses_pages_on_this_machine_unless_told(laptop: Page, pages: Pages):  # noqa: F811
    """`app_server` runs as `qa serve` does by default: a URL on 127.0.0.1 is refused, and the library stays."""
    url = pages.url("/cape-wren.html")
    _open_library(laptop, "ui.source_url")
    laptop.page.locator("#qa-url textarea, #qa-url input").first.fill(url)
    laptop.page.locator("#qa-add-url").click()
    assert _status(laptop, "error") == t("library.error.private", "uk", source=url)
    laptop.page.locator("#qa-picker input").click()
    assert CAPE_WREN_TITLE not in laptop.page.get_by_role("listbox").inner_text()


FERRY = (
    "The night ferry to Kerrow is run by Oksana Hrytsenko, who has crossed the strait nine thousand times.\n\n"
    "She says the crossing takes forty minutes in calm weather and twice that in a northern gale.\n"
)


def test_a_newly_added_text_starts_a_new_thread(library_page: Page):
    """After the picker moved to a newly pasted text, a question about it used to be read as a follow-up to the
    earlier question about another document."""
    page = library_page.page
    library_page.ask("Хто такий Кислиця?")
    _open_library(library_page, "ui.source_text")
    page.locator("#qa-paste-title textarea, #qa-paste-title input").first.fill("Night ferry")
    page.locator("#qa-paste textarea").fill(FERRY)
    page.locator("#qa-add-text").click()
    assert _status(library_page, "done") in (
        t("library.added", "uk", title="Night ferry"),
        t("library.already", "uk", title="Night ferry"),
    )
    assert _picked(library_page, "Night ferry")
    library_page.ask("А що він сказав потім?")
    reply = library_page.last_reply()
    assert t("answer.follow_up", "uk", question="Хто такий Кислиця?") not in reply
    assert "Hrytsenko" in reply or "forty minutes" in reply  # it asks the new text


def test_only_the_owner_is_offered_adding(browser, owned_server):  # noqa: F811
    """On an app listening beyond loopback, a visitor asks but is not offered "Use another article"; the owner,
    opening the address with the token, is."""
    from tests.test_access import TOKEN

    visitor = Page(browser, owned_server.url, LAPTOP, "en-GB")
    try:
        visitor.ask("Who is Kyslytsya?")
        assert "Kyslytsya" in visitor.last_reply()
        assert visitor.page.locator("#qa-library").count() == 0
        assert visitor.page.get_by_text(t("ui.library_heading", "en"), exact=True).count() == 0
    finally:
        visitor.close()
    owner = Page(browser, f"{owned_server.url}?owner={TOKEN}", LAPTOP, "en-GB")
    try:
        owner.page.get_by_text(t("ui.library_heading", "en"), exact=True).wait_for()
        assert owner.outside == []
    finally:
        owner.close()
