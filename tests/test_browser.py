"""End to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright; no browser is downloaded).

A person types a question, the answer quotes the article and the article panel highlights the same sentences;
markup typed into the chat is shown as text and never runs; the page fetches nothing from outside localhost.
Screenshots of real answers (laptop and phone width) are saved to $QA_SCREENSHOT_DIR, default a temp folder, so a
test run leaves the work tree clean; refresh the README's with QA_SCREENSHOT_DIR=docs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.messages import t
from tests.test_web import CASUALTIES, KLITSCHKO, REPO, AppServer, app_server  # noqa: F401 - one app per session

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS = Path(os.environ.get("QA_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "qa-screenshots")
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install chromium); CI installs it",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A fresh page on the app that records dialogs and every request that leaves localhost (and blocks it)."""

    def __init__(self, browser, url: str, viewport: dict[str, int], locale: str) -> None:
        self.context = browser.new_context(viewport=viewport, locale=locale)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.route("**/*", self._route)
        self.page.goto(url)
        self.page.wait_for_selector("#qa-question textarea")

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        host = route.request.url.split("/")[2].rsplit(":", 1)[0] if "//" in route.request.url else ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
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


@pytest.fixture
def laptop(browser, app_server: AppServer) -> Iterator[Page]:  # noqa: F811
    page = Page(browser, app_server.url, LAPTOP, "uk-UA")
    yield page
    assert page.outside == [], "the page fetched from outside localhost"
    page.close()


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
