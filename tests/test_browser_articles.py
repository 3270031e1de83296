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
        assert page.locator(f"#bagian-{number}").get_by_text(text).is_visible()
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


def test_printing_prints_every_section_with_its_credit_whatever_was_opened(page_factory, javascript):
    page = page_factory(javascript=javascript)
    page.goto(f"/articles/{ARTICLE}")
    if javascript:
        page.locator("#bagian-2 summary").click()  # one section open, the others never loaded
        page.locator("#bagian-2").get_by_text(SECTION_TEXT[2]).wait_for()
    page.emulate_media(media="print")
    printed = page.locator("main").inner_text()
    for number, text in SECTION_TEXT.items():
        assert text in printed, number
    assert printed.count("Foto/AP") == 5
    assert printed.count(SECTION_TEXT[2]) == 1
    assert "Baca bagian" not in printed
    assert "Tinggalkan Balasan" not in printed
    # On screen the copy is not there: closed sections stay closed and load when opened.
    page.emulate_media(media="screen")
    screen = page.locator("main").inner_text()
    assert SECTION_TEXT[1] not in screen and "Baca bagian 1" not in screen


def test_printing_a_page_with_every_section_open_prints_each_once(page_factory, javascript):
    page = page_factory(javascript=javascript)
    page.goto(f"/articles/{ARTICLE}?sections=all")
    page.emulate_media(media="print")
    printed = page.locator("main").inner_text()
    for text in SECTION_TEXT.values():
        assert printed.count(text) == 1


def test_opening_a_section_shows_its_address_without_adding_history(page):
    page.goto(f"/articles/{ARTICLE}")
    entries = page.evaluate("history.length")
    page.locator("#bagian-1 summary").click()
    page.wait_for_url(f"**/articles/{ARTICLE}#bagian-1")
    page.locator("#bagian-3 summary").click()
    page.wait_for_url(f"**/articles/{ARTICLE}#bagian-3")
    page.locator("#bagian-3").get_by_text(SECTION_TEXT[3]).wait_for()
    # Closing the section in the address takes it out again.
    page.locator("#bagian-3 summary").click()
    page.wait_for_function("() => location.hash === ''")
    assert page.url.endswith(f"/articles/{ARTICLE}")
    assert page.evaluate("history.length") == entries
    # "Open all" changes no address.
    page.get_by_role("link", name="Buka semua bagian").click()
    page.locator("#bagian-5").get_by_text(SECTION_TEXT[5]).wait_for()
    assert page.url.endswith(f"/articles/{ARTICLE}")


def test_each_heading_has_a_link_to_copy_that_opens_its_section(page_factory, javascript):
    page = page_factory(javascript=javascript)
    page.goto(f"/articles/{ARTICLE}")
    link = page.get_by_role("link", name="Tautan ke bagian 4")
    assert link.get_attribute("href") == "#bagian-4"
    box, heading = link.bounding_box(), page.locator("#bagian-4 summary").bounding_box()
    assert heading["y"] <= box["y"] + box["height"] / 2 <= heading["y"] + heading["height"]  # beside it
    link.click()
    page.wait_for_url(f"**/articles/{ARTICLE}#bagian-4")
    if javascript:
        page.locator("#bagian-4").get_by_text(SECTION_TEXT[4]).wait_for()
    # A copied link opens the section for whoever follows it.
    other = page_factory(javascript=True)
    other.goto(page.url)
    other.locator("#bagian-4").get_by_text(SECTION_TEXT[4]).wait_for()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_in_light_and_dark_mode(app, page_factory, scheme):
    from helpers import add_comment

    first = add_comment(app, author="Ani Wijaya", body="Komentar pertama", url="https://ani.example")
    add_comment(app, author="Budi", parent_id=first, body="Balasan")
    page = page_factory()
    page.emulate_media(color_scheme=scheme)
    page.goto(f"/articles/{ARTICLE}")
    assert violations(page) == []
    page.get_by_role("link", name="Buka semua bagian").click()
    page.locator("#bagian-5").get_by_text(SECTION_TEXT[5]).wait_for()
    page.locator("#comment-list .comment-author a").first.hover()
    assert violations(page) == []
    page.get_by_role("link", name="Balas ke Ani Wijaya").click()
    page.locator(f"#reply-slot-{first} textarea").wait_for()
    page.locator("#commentform").get_by_role("button", name="Kirim Komentar").click()
    page.locator("#commentform .field-error").first.wait_for()
    assert violations(page) == []


def test_the_design_reads_as_a_news_site(app, page):
    from helpers import add_comment

    add_comment(app, author="Budi Santoso", body="Komentar", url="https://budi.example")
    page.goto(f"/articles/{ARTICLE}")
    assert page.locator(".masthead .site-name").inner_text() == "Warta"
    assert page.locator(".masthead-date").is_visible()
    assert page.locator(".byline-author").inner_text() == "Oleh Tim Redaksi Warta"
    toggle = page.get_by_role("link", name="Buka semua bagian").bounding_box()
    assert toggle["height"] >= 44 and toggle["width"] >= 120  # a button to press, not a word
    style = "(sel) => getComputedStyle(document.querySelector(sel)).textDecorationLine"
    assert page.evaluate(style, "#comment-list .comment-author a") == "none"
    assert page.evaluate(style, "#comment-list .comment-permalink") == "none"
    page.locator("#comment-list .comment-author a").hover()
    assert page.evaluate(style, "#comment-list .comment-author a") == "underline"
    assert page.locator("#comment-list .avatar").inner_text() == "BS"
    assert page.locator("#comment-count").inner_text() == "1 komentar"
    page.get_by_role("link", name="Buka semua bagian").click()
    credit = page.locator("#bagian-1 .photo-credit")
    credit.wait_for()
    transform = page.evaluate("getComputedStyle(document.querySelector('#bagian-1 .photo-credit')).textTransform")
    assert transform == "none" and credit.inner_text() == "Foto/AP"
    # The credit follows the text it belongs to, as an attribution.
    paragraphs = page.locator("#bagian-1 .section-body p")
    assert paragraphs.last.get_attribute("class") == "photo-credit"


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
