"""The desk in a real browser: Debian's Chromium, headless, driven by Playwright (no browser
download). Loads the desk, runs a search, opens an item, checks charts draw and scraped markup
never runs; screenshots go to tests/artifacts/. Every request must stay on the desk's server."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api

from monitor.desk import server as desk
from tests.test_desk import HOSTILE_TITLE, build_sample_db

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Flags that work as root on a closed network (shared/notes/verified-tools.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

pytestmark = [pytest.mark.slow,  # a browser, a desk process
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="needs Debian's chromium, which `python3 dev.py test` "
                                        "installs when run as root: apt-get install -y chromium")]


@pytest.fixture(scope="module")
def desk_url(tmp_path_factory) -> Iterator[str]:
    db = build_sample_db(tmp_path_factory.mktemp("browser") / "monitor.db")
    server = desk.DeskServer(db, port=0, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, desk_url):
    """A fresh page that records every request URL and every JavaScript dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requested = []
    page.dialogs = []
    page.blocked = []  # what the Content-Security-Policy refused: nothing the desk needs
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.blocked.append(message.text))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()
    assert [url for url in page.requested if not url.startswith(desk_url)] == []
    assert page.dialogs == []  # no scraped script ever ran
    assert page.blocked == []


def test_search_then_review_an_item(page, desk_url):
    expect = sync_api.expect
    page.goto(desk_url)
    page.fill("#desk-search", "brockton")
    page.press("#desk-search", "Enter")
    page.wait_for_url(re.compile(r"/monitor/items\?_search=brockton"))
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(3)
    page.locator("table.rows-and-columns a[href='/-/item/rel-ma']").click()
    page.wait_for_url(re.compile(r"/-/item/rel-ma$"))
    expect(page.locator("h1")).to_have_text("ICE arrests 19 in Massachusetts during four-day operation")
    expect(page.locator("mark", has_text="arrested 19 people")).to_be_visible()
    expect(page.locator("a.desk-original")).to_have_attribute("href", "https://www.ice.gov/news/releases/ma-19")
    expect(page.locator(".desk-diff .add")).not_to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "desk-item.png"), full_page=True)


def test_hostile_markup_shows_as_text(page, desk_url):
    expect = sync_api.expect
    page.goto(desk_url + "-/item/hostile")
    expect(page.locator("h1")).to_have_text(HOSTILE_TITLE)
    assert page.locator("article img, article b, article i").count() == 0
    page.goto(desk_url + "monitor/items?_search=%22raid")
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "desk-hostile-search.png"), full_page=True)


def test_dashboards_draw_their_charts(page, desk_url):
    expect = sync_api.expect
    response = page.goto(desk_url + "-/dashboards/operations")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    for chart in ("operations_by_month", "arrests_by_month", "arrests_by_state"):
        page.wait_for_selector(f"#chart-{chart} svg")
    # the operations' figures: the Massachusetts operation's 19 (an item in no event is none)
    expect(page.locator("#chart-arrests_total")).to_contain_text("19")
    page.screenshot(path=str(ARTIFACTS / "desk-dashboard-operations.png"), full_page=True)
    page.goto(desk_url + "-/dashboards/sources")
    page.wait_for_selector("#chart-items_per_source svg")
    table = page.locator("#chart-health_table table")
    expect(table).to_contain_text("<script>alert('err')</script> timeout")  # as text
    assert page.locator("#chart-health_table script").count() == 0
    page.screenshot(path=str(ARTIFACTS / "desk-dashboard-sources.png"), full_page=True)


PHONE = {"width": 390, "height": 844}  # a current phone's screen, in CSS pixels


@pytest.mark.parametrize("item", ["rel-ma", "hostile", "story-ma"])
def test_item_pages_fit_a_phone_screen(browser, desk_url, item):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(desk_url + f"-/item/{item}")
        sync_api.expect(page.locator("h1")).to_be_visible()
        # nothing wider than the screen: no sideways scrolling, no element sticking out
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        too_wide = page.evaluate("""(width) => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1
                          && getComputedStyle(el).overflow !== 'hidden')
            .map(el => el.tagName + '.' + el.className)""", PHONE["width"])
        assert too_wide == []
        text_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                                  "'.desk-text p')).fontSize)")
        assert text_size >= 14  # readable without zooming
        page.screenshot(path=str(ARTIFACTS / f"desk-item-phone-{item}.png"), full_page=True)
    finally:
        context.close()
