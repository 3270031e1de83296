"""An admin in Chromium: log in, approve, bulk-spam, search, log out, with and without JavaScript."""

import re

import pytest

from webapp.models import Status

from a11y import violations
from helpers import (
    ADMIN_NAME,
    ARTICLE,
    LOGIN_WITH_NEXT,
    add_comment,
    create_admin_account,
    log_in,
    status_of,
)

pytestmark = pytest.mark.browser



def test_moderate_a_queue(app, page_factory, javascript):
    create_admin_account(app)
    held = add_comment(app, status=Status.PENDING, author="Penunggu", body="Tolong terbitkan saya")
    spam = [add_comment(app, status=Status.PENDING, author=f"Bot {n}", body=f"beli murah {n}") for n in range(3)]
    add_comment(app, status=Status.PENDING, author="Dicari", body="jarum dalam jerami")
    page = page_factory(javascript=javascript)
    reader = page_factory(javascript=javascript)

    page.goto("/admin/login")
    if javascript:  # axe runs inside the page, so it needs JavaScript
        assert violations(page) == []
    log_in(page)
    assert page.get_by_role("link", name="Menunggu 5").is_visible()
    if javascript:
        assert violations(page) == []

    # Approve one: it leaves the tab and appears on the article at once.
    page.get_by_role("button", name=f"Setujui: komentar #{held} oleh Penunggu").click()
    page.locator(f"#row-{held}").wait_for(state="detached")
    page.get_by_role("link", name="Menunggu 4").wait_for()
    assert status_of(app, held) == Status.APPROVED
    reader.goto(f"/articles/{ARTICLE}")
    assert reader.get_by_text("Tolong terbitkan saya").is_visible()

    # Bulk: mark three as spam.
    for comment_id in spam:
        page.locator(f"#row-{comment_id} input[name=ids]").check()
    page.get_by_label("Untuk komentar yang dipilih").select_option("spam")
    page.get_by_role("button", name="Terapkan").click()
    page.get_by_role("link", name="Spam 3").wait_for()
    assert [status_of(app, i) for i in spam] == [Status.SPAM] * 3
    assert page.locator("tbody tr").count() == 1

    # Search finds one.
    page.get_by_label("Cari penulis dan isi").fill("jerami")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.get_by_text("jarum dalam jerami").wait_for()
    page.wait_for_url(re.compile(r".*/admin/\?status=pending&q=jerami$"))
    assert page.locator("tbody tr").count() == 1

    # Log out: the queue is closed again.
    page.get_by_role("button", name=f"Keluar ({ADMIN_NAME})").click()
    page.wait_for_url("**/admin/login")
    page.goto("/admin/")
    page.wait_for_url(LOGIN_WITH_NEXT)
    assert page.watch.errors == []


def test_select_all_on_this_page(app, page):
    create_admin_account(app)
    ids = [add_comment(app, status=Status.PENDING, body=f"sampah {n}") for n in range(4)]
    log_in(page)
    page.get_by_label("Pilih semua di halaman ini").check()
    page.get_by_label("Untuk komentar yang dipilih").select_option("trash")
    page.get_by_role("button", name="Terapkan").click()
    page.get_by_text("Tidak ada komentar di sini.").wait_for()
    assert [status_of(app, i) for i in ids] == [Status.TRASH] * 4


def test_an_expired_session_sends_htmx_to_the_login_page(app, page):
    create_admin_account(app)
    comment_id = add_comment(app, status=Status.PENDING)
    log_in(page)
    page.context.clear_cookies()
    page.get_by_role("button", name=f"Setujui: komentar #{comment_id} oleh Pembaca").click()
    page.wait_for_url(LOGIN_WITH_NEXT)
    assert status_of(app, comment_id) == Status.PENDING
