"""A reader in Chromium: sections open and load once, with and without JavaScript."""

import pytest

from a11y import violations
from helpers import ARTICLE

pytestmark = pytest.mark.browser

SECTION_TEXT = {
    1: "Perjanjian kemitraan komprehensif yang ditandatangani hari ini",
    2: "Kim mengatakan pakta tersebut akan memperluas kerja sama politik",
    3: "Putin mengatakan bahwa Moskow sedang berjuang melawan kebijakan hegemonik",
    4: "lingkungan keamanan yang semakin kompleks di seluruh dunia",
    5: "mesin untuk mempercepat perkembangan dunia multipolar baru",
}


def section_requests(page) -> list[str]:
    return [u for u in page.watch.requests if "/sections/" in u]


def test_each_section_loads_its_text_once(page):
    page.goto(f"/articles/{ARTICLE}")
    for number, text in SECTION_TEXT.items():
        section = page.locator(f"#bagian-{number}")
        assert section.locator(".section-body").is_hidden()
        section.locator("summary").click()
        body = section.locator(".section-body")
        body.get_by_text(text).wait_for()
        assert body.locator(".photo-credit").text_content() == "Foto/AP"
    assert len(section_requests(page)) == 5
    # Closing and opening again shows the text without asking the server again.
    section = page.locator("#bagian-2")
    section.locator("summary").click()
    assert section.get_attribute("open") is None
    section.locator("summary").click()
    assert section.get_attribute("open") == ""
    section.get_by_text(SECTION_TEXT[2]).wait_for()
    page.wait_for_timeout(200)
    assert len(section_requests(page)) == 5
    assert page.watch.errors == []
    assert page.watch.foreign_requests() == []


def test_without_javascript_every_section_opens_and_reaches_its_text(page_factory):
    page = page_factory(javascript=False)
    page.goto(f"/articles/{ARTICLE}")
    for number, text in SECTION_TEXT.items():
        page.locator(f"#bagian-{number} summary").click()
        link = page.locator(f"#bagian-{number} .section-link")
        assert link.is_visible()
        link.click()
        page.wait_for_url(f"**/articles/{ARTICLE}/sections/{number}#bagian-{number}")
        assert page.locator(f"#bagian-{number}").get_attribute("open") == ""
        assert page.get_by_text(text).is_visible()
        page.goto(f"/articles/{ARTICLE}")
    page.get_by_role("link", name="Buka semua bagian").click()
    for text in SECTION_TEXT.values():
        assert page.get_by_text(text).is_visible()


def test_deep_link_to_a_section_anchor_opens_it(page):
    page.goto(f"/articles/{ARTICLE}#bagian-3")
    page.locator("#bagian-3").get_by_text(SECTION_TEXT[3]).wait_for()
    assert page.locator("#bagian-1").get_attribute("open") is None
    page.goto(f"/articles/{ARTICLE}/sections/4")
    assert page.locator("#bagian-4").get_by_text(SECTION_TEXT[4]).is_visible()


def test_open_all_sections_control(page):
    page.goto(f"/articles/{ARTICLE}")
    page.get_by_role("link", name="Buka semua bagian").click()
    for number, text in SECTION_TEXT.items():
        page.locator(f"#bagian-{number}").get_by_text(text).wait_for()
    assert page.url.endswith(f"/articles/{ARTICLE}")  # opened in place
    page.get_by_role("link", name="Tutup semua bagian").click()
    for number in SECTION_TEXT:
        assert page.locator(f"#bagian-{number}").get_attribute("open") is None
    assert len(section_requests(page)) == 5


def test_axe_finds_no_violations_collapsed_and_expanded(page):
    page.goto(f"/articles/{ARTICLE}")
    assert violations(page) == []
    page.get_by_role("link", name="Buka semua bagian").click()
    for number, text in SECTION_TEXT.items():
        page.locator(f"#bagian-{number}").get_by_text(text).wait_for()
    assert violations(page) == []
    assert page.watch.errors == []


def test_dark_mode_and_small_screens(page_factory, live_server):
    page = page_factory()
    page.set_viewport_size({"width": 320, "height": 640})
    page.emulate_media(color_scheme="dark")
    page.goto(f"/articles/{ARTICLE}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 21, 20)"
    assert violations(page) == []


def test_missing_section_shows_a_message_in_place(page):
    page.goto(f"/articles/{ARTICLE}")
    page.evaluate(
        "document.querySelector('#bagian-5').setAttribute('hx-get', "
        f"'/articles/{ARTICLE}/sections/9'); htmx.process(document.querySelector('#bagian-5'))"
    )
    page.locator("#bagian-5 summary").click()
    page.locator("#bagian-5").get_by_text("Halaman ini tidak ada").wait_for()
