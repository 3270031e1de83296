"""A commenter manages their comment in Chromium through the private link: edit, then
delete, with and without JavaScript."""

import pytest

from a11y import violations
from helpers import ARTICLE, stored

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict:
    return {"WARTA_MODERATION": "none"}


def post_comment(page, text: str, author: str = "Ani") -> None:
    page.goto(f"/articles/{ARTICLE}")
    form = page.locator("#commentform")
    form.locator("[name=comment]").fill(text)
    form.locator("[name=author]").fill(author)
    form.locator("[name=email]").fill("ani@example.com")
    form.get_by_role("button", name="Kirim Komentar").click()
    page.get_by_role("status").get_by_text("Komentar Anda telah diterbitkan").wait_for()


def test_edit_then_delete_through_the_private_link(app, page_factory, javascript):
    page = page_factory(javascript)
    post_comment(page, "Teks dengan salah ketik.")
    page.get_by_role("link", name="Sunting atau hapus komentar Anda").click()
    page.wait_for_url("**/comments/*/manage/*")
    assert page.locator(".manage-status").inner_text() == "Diterbitkan"
    if javascript:  # axe-core runs in the page
        assert violations(page) == []
        page.evaluate("window.__same_page = true")
    page.get_by_label("Ubah komentar Anda").fill("Teks yang sudah diperbaiki.")
    page.get_by_role("button", name="Simpan perubahan").click()
    page.get_by_role("status").get_by_text("Komentar Anda telah diubah.").wait_for()
    if javascript:
        assert page.evaluate("window.__same_page") is True  # htmx swapped the part in place
    assert page.locator("#manage-comment .comment-text").inner_text() == "Teks yang sudah diperbaiki."
    manage_url = page.url
    page.get_by_role("link", name="Lihat di diskusi").click()
    comment = page.locator("#comment-list li.comment").last
    comment.get_by_text("Teks yang sudah diperbaiki.").wait_for()
    assert comment.locator(".comment-edited").inner_text() == "disunting"
    page.goto(manage_url)
    page.get_by_role("button", name="Hapus komentar saya").click()
    page.get_by_text("Komentar Anda telah dihapus.").first.wait_for()
    assert stored(app) == []
    page.goto(f"/articles/{ARTICLE}")
    assert page.get_by_text("Teks yang sudah diperbaiki.").count() == 0
    assert page.watch.errors == []
