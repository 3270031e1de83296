"""A commenter in Chromium: posting, errors, replies and paging, with and without JavaScript."""

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Comment

from a11y import violations
from helpers import ARTICLE, add_comment

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict:
    return {"WARTA_MODERATION": "none"}


def fill(page, scope="#commentform", comment="Tulisan yang bagus.", author="Ani",
         email="ani@example.com", url=""):
    form = page.locator(scope)
    form.locator("[name=comment]").fill(comment)
    form.locator("[name=author]").fill(author)
    form.locator("[name=email]").fill(email)
    form.locator("[name=url]").fill(url)
    return form


def comments_in_db(app):
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))



def test_post_a_comment_inline(app, page):
    page.goto(f"/articles/{ARTICLE}")
    page.evaluate("window.__same_page = true")
    form = fill(page, comment="Halo <script>alert(1)</script> semua", url="https://ani.example")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    form.get_by_role("button", name="Kirim Komentar").click()
    page.get_by_role("status").get_by_text("Komentar Anda telah diterbitkan").wait_for()
    comment = page.locator("#comment-list li.comment").last
    assert "Halo <script>alert(1)</script> semua" in comment.locator(".comment-text").inner_text()
    assert comment.get_by_role("link", name="Ani", exact=True).get_attribute("rel") == "nofollow ugc noopener"
    assert page.locator("#comment-count").inner_text() == "1 komentar"
    assert page.evaluate("window.__same_page") is True  # no reload
    assert page.locator("#commentform").locator("[name=comment]").input_value() == ""
    assert [c.body for c in comments_in_db(app)] == ["Halo <script>alert(1)</script> semua"]
    assert dialogs == []
    assert page.watch.errors == []


def test_errors_show_beside_fields_and_keep_the_text(app, page):
    page.goto(f"/articles/{ARTICLE}")
    form = fill(page, comment="Teks panjang yang tidak boleh hilang", email="bukan-email", url="javascript:alert(1)")
    form.get_by_role("button", name="Kirim Komentar").click()
    error = page.locator("#email-error")
    error.wait_for()
    assert "Masukkan alamat email yang benar" in error.inner_text()
    assert "http:// atau https://" in page.locator("#url-error").inner_text()
    form = page.locator("#commentform")
    assert form.locator("[name=comment]").input_value() == "Teks panjang yang tidak boleh hilang"
    assert form.locator("[name=author]").input_value() == "Ani"
    assert page.evaluate("document.activeElement.id") == "email"
    assert violations(page) == []
    assert comments_in_db(app) == []
    # Fixing the mistake posts the same text.
    form.locator("[name=email]").fill("ani@example.com")
    form.locator("[name=url]").fill("")
    form.get_by_role("button", name="Kirim Komentar").click()
    page.locator("#comment-list").get_by_text("Teks panjang yang tidak boleh hilang").wait_for()


def test_reply_inline_under_a_comment(app, page):
    parent = add_comment(app, author="Budi", body="Komentar induk")
    page.goto(f"/articles/{ARTICLE}")
    page.locator(f"#comment-{parent}").get_by_role("link", name="Balas ke Budi").click()
    slot = page.locator(f"#reply-slot-{parent}")
    slot.locator("[name=comment]").wait_for()
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    assert slot.get_by_text("Balas ke Budi").count() >= 1
    # Cancel puts things back; replying again works.
    slot.get_by_role("link", name="Batalkan balasan").click()
    assert slot.is_hidden()
    page.locator(f"#comment-{parent}").get_by_role("link", name="Balas ke Budi").click()
    fill(page, scope=f"#reply-{parent}-commentform", comment="Balasan saya", author="Citra",
         email="citra@example.com")
    slot.get_by_role("button", name="Kirim Komentar").click()
    page.locator(f"#children-{parent} li.comment").get_by_text("Balasan saya").wait_for()
    assert slot.is_hidden()
    stored = comments_in_db(app)[-1]
    assert (stored.body, stored.parent_id) == ("Balasan saya", parent)
    assert page.watch.errors == []


def test_load_more_appends_in_place(app, page):
    for n in range(23):
        add_comment(app, author=f"Penulis {n}", body=f"Komentar nomor {n:02d}")
    page.goto(f"/articles/{ARTICLE}")
    assert page.locator("#comment-list > li.comment").count() == 20
    page.get_by_role("link", name="Muat komentar lainnya").click()
    page.get_by_text("Komentar nomor 22").wait_for()
    assert page.locator("#comment-list > li.comment").count() == 23
    assert page.get_by_role("link", name="Muat komentar lainnya").count() == 0
    assert page.url.endswith(f"/articles/{ARTICLE}")


def test_held_comment_shows_to_its_author_only(tmp_path, browser, live_server, app):
    app.config["WARTA_MODERATION"] = "all"
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/articles/{ARTICLE}")
    fill(page, comment="Menunggu moderator").get_by_role("button", name="Kirim Komentar").click()
    page.get_by_role("status").get_by_text("menunggu moderasi").wait_for()
    assert page.locator("#comment-list .moderation-note").inner_text() == "Komentar Anda sedang menunggu moderasi."
    page.reload()
    assert page.get_by_text("Menunggu moderator").is_visible()
    stranger = browser.new_context(base_url=live_server.url).new_page()
    stranger.goto(f"/articles/{ARTICLE}")
    assert stranger.get_by_text("Menunggu moderator").count() == 0
    context.close()
    stranger.context.close()


def test_after_posting_focus_and_thanks_are_on_the_new_comment(app, page):
    parent = add_comment(app, author="Budi", body="Komentar induk")
    for n in range(8):
        add_comment(app, author=f"Penulis {n}", body=f"Komentar nomor {n}\n\n" + "Paragraf. " * 40)
    page.set_viewport_size({"width": 390, "height": 700})
    page.goto(f"/articles/{ARTICLE}")
    page.locator(f"#comment-{parent}").get_by_role("link", name="Balas ke Budi").click()
    fill(page, scope=f"#reply-{parent}-commentform", comment="Balasan saya", author="Citra",
         email="citra@example.com")
    page.locator(f"#reply-{parent}-commentform").get_by_role("button", name="Kirim Komentar").click()
    reply = page.locator(f"#children-{parent} > li.comment").last
    reply.get_by_text("Balasan saya").wait_for()
    page.wait_for_function("() => document.activeElement.classList.contains('comment-thanks')")
    focused = page.evaluate("document.activeElement.closest('li.comment').id")
    assert focused == reply.get_attribute("id")
    assert "Komentar Anda telah diterbitkan" in page.evaluate("document.activeElement.textContent")
    assert in_viewport(page, "document.activeElement")
    # The same for a comment sent from the form at the end.
    fill(page, comment="Komentar baru di bawah").get_by_role("button", name="Kirim Komentar").click()
    newest = page.locator("#comment-list > li.comment").last
    newest.get_by_text("Komentar baru di bawah").wait_for()
    page.wait_for_function(
        "(id) => document.activeElement.closest('li.comment')?.id === id", arg=newest.get_attribute("id"))
    assert in_viewport(page, "document.activeElement")
    assert page.locator(".comment-thanks").count() == 2
    assert violations(page) == []


def in_viewport(page, expression: str) -> bool:
    return page.evaluate(
        f"(() => {{ const r = ({expression}).getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; })()"
    )


def test_after_posting_without_javascript_the_thanks_is_on_the_comment(app, page_factory):
    page = page_factory(javascript=False)
    for n in range(8):
        add_comment(app, author=f"Penulis {n}", body=f"Komentar nomor {n}\n\n" + "Paragraf. " * 40)
    page.set_viewport_size({"width": 390, "height": 700})
    page.goto(f"/articles/{ARTICLE}")
    fill(page, comment="Tanpa skrip").get_by_role("button", name="Kirim Komentar").click()
    page.wait_for_url("**#comment-*")
    new_id = comments_in_db(app)[-1].id
    notice = page.locator(f"#comment-{new_id} .comment-thanks")
    assert notice.inner_text().startswith("Terima kasih. Komentar Anda telah diterbitkan.")
    assert notice.get_by_role("link", name="Sunting atau hapus komentar Anda").is_visible()
    # The browser lands on the comment and focuses it; the thank-you is its first news.
    assert page.evaluate("document.activeElement.id") == f"comment-{new_id}"
    assert in_viewport(page, f"document.querySelector('#comment-{new_id} .comment-thanks')")
    assert page.locator("#comment-status").inner_text() == ""


def test_an_error_on_the_main_form_does_not_pull_focus_back_later(app, page):
    parent = add_comment(app, author="Budi", body="Komentar induk")
    page.goto(f"/articles/{ARTICLE}")
    fill(page, email="bukan-email").get_by_role("button", name="Kirim Komentar").click()
    page.locator("#email-error").wait_for()
    assert page.evaluate("document.activeElement.id") == "email"
    page.locator("#bagian-2 summary").click()
    page.locator("#bagian-2 .section-body p").first.wait_for()
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement.id") != "email"
    page.locator(f"#comment-{parent}").get_by_role("link", name="Balas ke Budi").click()
    page.locator(f"#reply-slot-{parent} textarea").wait_for()
    page.wait_for_function(f"() => document.activeElement.id === 'reply-{parent}-comment'")
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement.id") == f"reply-{parent}-comment"


def test_a_cancelled_reply_keeps_its_draft_and_escape_closes_the_form(app, page):
    parent = add_comment(app, author="Budi", body="Komentar induk")
    other = add_comment(app, author="Dewi", body="Komentar lain")
    page.goto(f"/articles/{ARTICLE}")
    reply_link = page.locator(f"#comment-{parent}").get_by_role("link", name="Balas ke Budi")
    slot = page.locator(f"#reply-slot-{parent}")
    reply_link.click()
    slot.locator("textarea").fill("Draf yang panjang")
    slot.get_by_role("link", name="Batalkan balasan").click()
    assert slot.is_hidden()
    reply_link.click()
    slot.locator("textarea").wait_for()
    assert slot.locator("textarea").input_value() == "Draf yang panjang"
    # Escape closes it as well, keeps the draft, and gives focus back to "Balas".
    slot.locator("textarea").press("End")
    slot.locator("textarea").type(" lagi")
    slot.locator("textarea").press("Escape")
    assert slot.is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Balas ke Budi"
    # Another comment's reply starts empty.
    page.locator(f"#comment-{other}").get_by_role("link", name="Balas ke Dewi").click()
    page.locator(f"#reply-slot-{other} textarea").wait_for()
    assert page.locator(f"#reply-slot-{other} textarea").input_value() == ""
    reply_link.click()
    slot.locator("textarea").wait_for()
    assert slot.locator("textarea").input_value() == "Draf yang panjang lagi"
    # Once sent, the draft is gone.
    fill(page, scope=f"#reply-{parent}-commentform", comment="Draf yang panjang lagi", author="Citra",
         email="citra@example.com")
    slot.get_by_role("button", name="Kirim Komentar").click()
    page.locator(f"#children-{parent} li.comment").get_by_text("Draf yang panjang lagi").wait_for()
    reply_link.click()
    slot.locator("textarea").wait_for()
    assert slot.locator("textarea").input_value() == ""
    assert page.watch.errors == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_heading_counts_the_visitors_own_held_comment(app, browser, live_server, javascript):
    app.config["WARTA_MODERATION"] = "all"
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"/articles/{ARTICLE}")
    assert page.locator("#comment-count").inner_text() == "Belum ada komentar"
    fill(page, comment="Menunggu moderator").get_by_role("button", name="Kirim Komentar").click()
    page.locator("#comment-list .moderation-note").wait_for()
    assert page.locator("#comment-count").inner_text() == "1 komentar"
    page.reload()
    assert page.locator("#comment-count").inner_text() == "1 komentar"
    stranger = browser.new_context(base_url=live_server.url).new_page()
    stranger.goto(f"/articles/{ARTICLE}")
    assert stranger.locator("#comment-count").inner_text() == "Belum ada komentar"
    context.close()
    stranger.context.close()


# -- the same with JavaScript off ------------------------------------------------------


def test_post_reply_and_page_without_javascript(app, page_factory):
    page = page_factory(javascript=False)
    for n in range(21):
        add_comment(app, author=f"Penulis {n}", body=f"Komentar nomor {n:02d}")
    page.goto(f"/articles/{ARTICLE}")
    # Errors: a full page with the messages and the text kept.
    fill(page, comment="Tanpa JavaScript", email="salah").get_by_role("button", name="Kirim Komentar").click()
    assert "Masukkan alamat email yang benar" in page.locator("#email-error").inner_text()
    assert page.locator("#commentform").locator("[name=comment]").input_value() == "Tanpa JavaScript"
    # Post: redirected to the comment on the last page of threads.
    page.locator("#commentform").locator("[name=email]").fill("ani@example.com")
    page.locator("#commentform").get_by_role("button", name="Kirim Komentar").click()
    page.wait_for_url("**/comments?page=2#comment-*")
    new_id = comments_in_db(app)[-1].id
    assert page.locator(f"#comment-{new_id}").get_by_text("Tanpa JavaScript").is_visible()
    # Reply: the link leads to the form at #respond, replying to that comment.
    first = comments_in_db(app)[0]
    page.goto(f"/articles/{ARTICLE}")
    page.locator(f"#comment-{first.id}").get_by_role("link", name=f"Balas ke {first.author}").click()
    page.wait_for_url(f"**/articles/{ARTICLE}?replytocom={first.id}#respond")
    assert page.get_by_role("heading", name=f"Balas ke {first.author}").is_visible()
    fill(page, comment="Balasan tanpa JS", author="Dedi", email="dedi@example.com")
    page.locator("#commentform").get_by_role("button", name="Kirim Komentar").click()
    reply = comments_in_db(app)[-1]
    page.wait_for_url(f"**#comment-{reply.id}")
    assert reply.parent_id == first.id
    assert page.locator(f"#children-{first.id}").get_by_text("Balasan tanpa JS").is_visible()
    # Paging: "load more" is a plain link to the next page.
    page.goto(f"/articles/{ARTICLE}")
    page.get_by_role("link", name="Muat komentar lainnya").click()
    page.wait_for_url(f"**/articles/{ARTICLE}/comments?page=2#comments")
    assert page.get_by_text("Komentar nomor 20").is_visible()
