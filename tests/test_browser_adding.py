"""Adding a long text in headless Chromium (issue 17): the page shows passages done of all, the rate and the time
left; Cancel stops it, says so, and the library is as it was. The app is test_web's `library_server`, the browser
the session's (Debian's /usr/bin/chromium driven by playwright; skipped without it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from qa.messages import t
from tests.conftest import CHROMIUM
from tests.test_adding_a_book import book
from tests.test_browser import DOCS, LAPTOP, Page
from tests.test_web import AppServer, library_server  # noqa: F401 - the session's library app

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install chromium); CI installs it",
)

PASSAGES = 600  # long enough to be cancelled mid-way on any machine this runs on


@pytest.fixture
def page(browser, library_server: AppServer) -> Iterator[Page]:  # noqa: F811
    page = Page(browser, library_server.url, LAPTOP, "uk-UA")
    yield page
    assert page.outside == [], "the page fetched from outside localhost"
    page.close()


def test_adding_shows_rate_and_time_left_and_cancel_leaves_the_library(page: Page, library_server):  # noqa: F811
    live = (library_server.index_dir / "CURRENT").read_text(encoding="utf-8")
    p = page.page
    p.get_by_text(t("ui.library_heading", "uk"), exact=True).click()
    p.get_by_role("tab", name=t("ui.source_text", "uk"), exact=True).click()
    p.locator("#qa-paste-title textarea, #qa-paste-title input").first.fill("Survey of the harbour")
    p.locator("#qa-paste textarea").fill(book(PASSAGES, "browser"))
    cancel = p.locator("#qa-add-cancel")
    assert not cancel.is_visible()  # nothing to cancel yet
    p.locator("#qa-add-text").click()

    # passages done of all, the rate and the time left, in the page's language
    source = t("library.pasted", "uk")
    line = t("library.embedding_rate", "uk", source=source, done="DONE", total=PASSAGES, rate="RATE", left="LEFT")
    pattern = re.escape(line).replace("DONE", r"\d+").replace("RATE", r"[\d,]+").replace("LEFT", r"(\d+ (год|хв|с) ?)+")
    status = p.locator("#qa-add-status .qa-progress")
    status.filter(has_text=re.compile(pattern)).wait_for(timeout=180_000)
    assert re.fullmatch(pattern, status.inner_text().strip()), status.inner_text()
    assert p.locator(f'#qa-add-status progress[max="{PASSAGES}"]').count() == 1
    DOCS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(DOCS / "screenshot-adding.png"), full_page=True)

    cancel.wait_for()
    assert cancel.inner_text().strip() == t("ui.cancel_add", "uk")
    cancel.click()
    stopped = p.locator("#qa-add-status .qa-status-cancelled")
    stopped.wait_for(timeout=180_000)
    done = int(re.search(r"\((\d+)\)", stopped.inner_text())[1])
    assert 0 < done < PASSAGES
    assert stopped.inner_text().strip() == t("library.cancelled_kept", "uk", source=source, done=done)
    cancel.wait_for(state="hidden")

    # the library is as it was: the same build, and the picker does not offer the text
    assert (library_server.index_dir / "CURRENT").read_text(encoding="utf-8") == live
    p.locator("#qa-picker input").click()
    assert "Survey of the harbour" not in p.get_by_role("listbox").inner_text()
    assert p.locator("#qa-paste textarea").input_value().startswith("On day 1 ")  # kept, to add again
