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
    assert page.locator(".queue-row").count() == 1

    # Search finds one.
    page.get_by_label("Cari penulis dan isi").fill("jerami")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.get_by_text("jarum dalam jerami").wait_for()
    page.wait_for_url(re.compile(r".*/admin/\?status=pending&q=jerami$"))
    assert page.locator(".queue-row").count() == 1

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


def test_apply_with_nothing_ticked_says_so_beside_the_controls(app, page_factory, javascript):
    create_admin_account(app)
    ids = [add_comment(app, status=Status.PENDING, body=f"tetap {n}") for n in range(2)]
    page = page_factory(javascript=javascript)
    log_in(page)
    page.get_by_role("button", name="Terapkan").click()
    notice = page.locator(".bulk-bar #bulk-notice")
    notice.get_by_text("Pilih dulu setidaknya satu komentar.").wait_for()
    assert page.locator(".queue-row").count() == 2
    assert page.get_by_role("navigation", name="Status komentar").is_visible()
    assert page.get_by_label("Cari penulis dan isi").is_visible()
    assert page.get_by_text("Kiriman Anda tidak dapat digunakan").count() == 0
    assert [status_of(app, i) for i in ids] == [Status.PENDING] * 2
    if javascript:
        assert violations(page) == []
    # The queue still works after the refusal.
    page.locator(f"#row-{ids[0]} input[name=ids]").check()
    page.get_by_role("button", name="Terapkan").click()
    page.get_by_role("status").get_by_text("1 komentar disetujui.").wait_for()
    assert status_of(app, ids[0]) == Status.APPROVED


def test_undo_the_last_action(app, page_factory, javascript):
    create_admin_account(app)
    held = add_comment(app, status=Status.PENDING, author="Sari")
    page = page_factory(javascript=javascript)
    log_in(page)
    page.get_by_role("button", name=f"Sampah: komentar #{held} oleh Sari").click()
    page.get_by_role("status").get_by_text("1 komentar dipindahkan ke sampah.").wait_for()
    assert status_of(app, held) == Status.TRASH
    page.get_by_role("button", name="Urungkan").click()
    page.get_by_text("Dibatalkan: 1 komentar kembali seperti semula.").wait_for()
    assert status_of(app, held) == Status.PENDING
    page.locator(f"#row-{held}").wait_for()
    assert page.get_by_role("button", name="Urungkan").count() == 0


def test_focus_follows_the_work_after_each_row_action(app, page):
    create_admin_account(app)
    ids = [add_comment(app, status=Status.PENDING, author=f"Penulis {n}") for n in range(3)]
    log_in(page)  # newest first: ids[2], ids[1], ids[0]
    page.get_by_role("button", name=f"Setujui: komentar #{ids[2]} oleh Penulis 2").click()
    page.locator(f"#row-{ids[2]}").wait_for(state="detached")
    page.wait_for_function("() => document.activeElement.closest('.queue-row') !== null")
    assert page.evaluate("document.activeElement.closest('.queue-row').id") == f"row-{ids[1]}"
    assert page.evaluate("document.activeElement.textContent") == "Setujui"
    # Keyboard only: the next action goes on from there.
    page.keyboard.press("Enter")
    page.locator(f"#row-{ids[1]}").wait_for(state="detached")
    page.wait_for_function(f"() => document.activeElement.closest('.queue-row')?.id === 'row-{ids[0]}'")
    page.keyboard.press("Enter")
    page.locator(f"#row-{ids[0]}").wait_for(state="detached")
    page.wait_for_function("() => document.activeElement.id === 'queue-status'")
    assert "1 komentar disetujui." in page.evaluate("document.activeElement.textContent")
    assert [status_of(app, i) for i in ids] == [Status.APPROVED] * 3
    assert page.watch.errors == []


def test_focus_goes_to_the_notice_after_a_bulk_action(app, page_factory, javascript):
    create_admin_account(app)
    ids = [add_comment(app, status=Status.PENDING) for _ in range(2)]
    page = page_factory(javascript=javascript)
    log_in(page)
    for comment_id in ids:
        page.locator(f"#row-{comment_id} input[name=ids]").check()
    page.get_by_label("Untuk komentar yang dipilih").select_option("spam")
    page.get_by_role("button", name="Terapkan").click()
    page.get_by_text("2 komentar ditandai sebagai spam.").wait_for()
    page.wait_for_function("() => document.activeElement.id === 'queue-status'")


def test_a_failed_login_puts_focus_on_the_password(app, page_factory, javascript):
    create_admin_account(app)
    page = page_factory(javascript=javascript)
    page.goto("/admin/login")
    page.get_by_label("Nama").fill(ADMIN_NAME)
    page.get_by_label("Kata sandi").fill("salah-sekali")
    page.get_by_role("button", name="Masuk").click()
    page.locator("#login-error").wait_for()
    assert page.evaluate("document.activeElement.id") == "password"
    assert page.get_by_label("Nama").input_value() == ADMIN_NAME


WORDS_BROKEN = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('[id^="row-"]')) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => node.parentElement.closest('button') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    let node;
    while ((node = walker.nextNode())) {
      const words = /\\S+/g;
      let match;
      while ((match = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_queue_reads_at_desktop_and_phone_width_without_breaking_words(app, page, width):
    create_admin_account(app)
    parent = add_comment(app, author="Induk")
    for n in range(3):
        add_comment(
            app, status=Status.PENDING, author="Bartholomeus Simanjuntak", parent_id=parent,
            email="bartholomeus.simanjuntak@universitas-indonesia.example",
            url="https://blog.bartholomeus-simanjuntak.example/2026/12/tulisan-tentang-pyongyang",
            ip="203.0.113.0", hold_reason="first-time",
            body="Perjanjian kemitraan komprehensif antara Pyongyang dan Moskow memperdalam kerja sama militer.",
        )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page)
    assert page.evaluate(WORDS_BROKEN) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The text has room to be read: at least half the row on a desktop, the full row on a phone.
    row = page.locator('[id^="row-"]').first.bounding_box()
    text = page.locator('[id^="row-"] .queue-text').first.bounding_box()
    assert text["width"] >= row["width"] * (0.5 if width > 800 else 0.9)
    assert violations(page) == []


def test_the_queue_and_log_pass_axe_in_dark_mode_on_a_phone(app, page):
    create_admin_account(app)
    comment_id = add_comment(app, status=Status.PENDING, author="Sari")
    page.set_viewport_size({"width": 390, "height": 800})
    page.emulate_media(color_scheme="dark")
    log_in(page)
    page.get_by_role("button", name=f"Setujui: komentar #{comment_id} oleh Sari").click()
    page.get_by_role("status").get_by_text("1 komentar disetujui.").wait_for()
    assert violations(page) == []
    page.get_by_role("link", name="Log", exact=True).click()
    page.get_by_role("link", name=f"Komentar #{comment_id} oleh Sari").wait_for()
    assert violations(page) == []
    page.get_by_role("link", name=f"Komentar #{comment_id} oleh Sari").click()
    page.wait_for_url(f"**/admin/?status=approved#row-{comment_id}")
    assert page.locator(f"#row-{comment_id}").is_visible()
