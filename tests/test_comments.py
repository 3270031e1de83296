"""Posting, reading and replying to comments, in both shapes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from webapp.extensions import db
from webapp.models import Comment, Status
from webapp.timeutil import utcnow

from helpers import ARTICLE, HTMX, POST_URL, add_comment, form_fields, hidden_fields, post, stored


@pytest.fixture
def app_config() -> dict:
    return {"WARTA_MODERATION": "none"}


# -- posting ---------------------------------------------------------------------------


def test_htmx_post_puts_the_comment_in_place_with_a_fresh_form(app, client):
    response = post(client, htmx=True, comment="Halo <b>semua</b>", url="https://ani.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"]) == {"comments-changed": {"target": "body"}}
    assert response.headers["Cache-Control"] == "private, no-store"
    assert '<hx-partial hx-target="#comment-list" hx-swap="beforeend">' in html
    assert "Halo &lt;b&gt;semua&lt;/b&gt;" in html
    assert '<a href="https://ani.example" rel="nofollow ugc noopener">Ani</a>' in html
    assert re.search(r'<textarea[^>]*id="comment"[^>]*>\s*</textarea>', html)  # cleared
    [comment] = stored(app)
    # The thank-you is on the new comment, and takes the focus (htmx focuses autofocus).
    assert re.search(rf'<li id="comment-{comment.id}".*<p class="comment-thanks" role="status" tabindex="-1" autofocus>'
                     r"Terima kasih. Komentar Anda telah diterbitkan.", html, re.S)
    assert '<hx-partial hx-target="#comment-count" hx-swap="innerHTML">1 komentar</hx-partial>' in html
    assert (comment.author, comment.email, comment.body, comment.status) == (
        "Ani", "ani@example.com", "Halo <b>semua</b>", Status.APPROVED)
    assert comment.ip == "127.0.0.0"


def test_plain_post_redirects_to_the_comment(app, client):
    response = post(client)
    [comment] = stored(app)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/{ARTICLE}#comment-{comment.id}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="comment-{comment.id}"' in html and "Analisis yang bagus." in html
    # The thank-you is on the comment, where the redirect lands, not at the top.
    notice = html.index('<p class="comment-thanks" role="status" tabindex="-1" autofocus>Terima kasih.')
    assert html.index(f'<li id="comment-{comment.id}"') < notice < html.index("Analisis yang bagus.")
    assert '<div id="comment-status" class="comment-status" role="status"></div>' in html
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "comment-thanks" not in again  # once


INVALID = [
    ("comment", "", "Tulis komentar Anda."),
    ("comment", "   \n\t ", "Tulis komentar Anda."),
    ("comment", "x" * 5001, "Komentar paling banyak 5000 karakter."),
    ("author", "", "Masukkan nama Anda."),
    ("author", "  ", "Masukkan nama Anda."),
    ("author", "n" * 101, "Nama paling banyak 100 karakter."),
    ("email", "", "Masukkan alamat email Anda."),
    ("email", "not-an-email", "Masukkan alamat email yang benar"),
    ("email", "a@b", "Masukkan alamat email yang benar"),
    ("email", "a" * 250 + "@example.com", "Alamat email paling banyak 254 karakter."),
    ("url", "javascript:alert(1)", "Masukkan alamat web yang diawali http:// atau https://."),
    ("url", "ftp://example.com/x", "Masukkan alamat web yang diawali http:// atau https://."),
    ("url", "https://", "Masukkan alamat web yang diawali http:// atau https://."),
    ("url", "https://example.com/" + "p" * 200, "Alamat web paling banyak 200 karakter."),
    ("parent", "abc", "Komentar yang Anda balas tidak ada."),
    ("parent", "-3", "Komentar yang Anda balas tidak ada."),
    ("parent", "99999", "Komentar yang Anda balas tidak tersedia."),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize("field, value, message", INVALID)
def test_invalid_input_is_422_with_the_message_and_everything_typed(app, client, htmx, field, value, message):
    typed = {"comment": "Teks yang saya ketik & simpan", "author": "Ani <Penulis>",
             "email": "ani@example.com", "url": "https://ani.example/"}
    typed[field] = value
    response = post(client, htmx=htmx, **typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert ("<html" in html) is not htmx
    if field != "comment":
        assert re.search(r">\s*Teks yang saya ketik &amp; simpan</textarea>", html)
    if field not in ("author",):
        assert 'value="Ani &lt;Penulis&gt;"' in html
    if field in ("comment", "author", "email", "url"):
        assert f'aria-describedby="{field}-error"' in html and 'aria-invalid="true"' in html
        assert re.search(rf'<(?:input|textarea)[^>]*autofocus[^>]*id="{field}"', html)
    assert stored(app) == []


def test_reply_to_a_comment_that_is_not_approved_or_of_another_article(app, client):
    held = add_comment(app, status=Status.PENDING)
    other = add_comment(app, article_slug="another-article")
    for parent in (held, other):
        response = post(client, htmx=True, parent=str(parent))
        assert response.status_code == 422
        assert "Komentar yang Anda balas tidak tersedia." in response.get_data(as_text=True)
    assert len(stored(app)) == 2


def test_duplicate_comment_is_refused(app, client):
    assert post(client).status_code == 303
    response = post(client, htmx=True)
    assert response.status_code == 422
    assert "Anda sudah mengirim komentar yang sama." in response.get_data(as_text=True)
    assert len(stored(app)) == 1


@pytest.mark.parametrize("variant", ["Analisis  yang bagus.", "analisis yang BAGUS.", "Analisis\u00a0yang bagus.",
                                     "Analisis yang\u200b bagus.", " Analisis yang bagus. "])
def test_a_duplicate_is_recognised_through_trivial_variants(app, client, variant):
    assert post(client, comment="Analisis yang bagus.").status_code == 303
    assert post(client, comment=variant, email="lain@example.com").status_code == 422
    assert len(stored(app)) == 1


def test_a_duplicate_from_the_same_network_is_refused_from_another_browser(app):
    assert post(app.test_client(), comment="Sekali saja").status_code == 303
    assert post(app.test_client(), comment="Sekali saja").status_code == 422


def test_the_duplicate_check_tells_a_stranger_nothing_about_who_wrote_what(app):
    """Copying a public comment with a guessed address, from another browser on another
    network, is not refused as a duplicate: the answer would tell whose address it is."""
    assert post(app.test_client(), comment="Pendapat saya", email="penulis@example.com").status_code == 303
    stranger = app.test_client()
    response = post(stranger, comment="Pendapat saya", email="penulis@example.com",
                    environ_overrides={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 303
    assert "komentar yang sama" not in stranger.get(f"/articles/{ARTICLE}").get_data(as_text=True)


def test_oversized_body_is_413_with_a_message(client):
    response = client.post(POST_URL, data={"comment": "x" * 300_000}, headers=HTMX)
    assert response.status_code == 413
    assert "Komentar paling banyak 5000 karakter" in response.get_data(as_text=True)


def test_rate_limit_is_429_with_retry_after_and_the_text_kept(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, WARTA_COMMENT_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert post(client, comment="satu").status_code == 303
    assert post(client, comment="dua").status_code == 303
    response = post(client, htmx=True, comment="tiga yang tertahan")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "tiga yang tertahan</textarea>" in html and "Anda mengirim terlalu cepat" in html
    assert len(stored(app)) == 2


def test_plain_post_lands_on_the_page_of_its_thread(app, client):
    """Pages hold 20 approved threads each; a new thread, held or not, comes after all of
    them, and a reply is on its thread's page."""
    roots = [add_comment(app, body=f"Utas {n}") for n in range(20)]
    app.config["WARTA_MODERATION"] = "all"  # held, but shown to the one who wrote it
    first = post(client, comment="Ditahan, setelah 20 utas")  # no second page of approved ones
    assert first.headers["Location"] == f"/articles/{ARTICLE}#comment-{stored(app)[-1].id}"
    add_comment(app, body="Utas ke-21")  # now there is a page 2
    second = post(client, comment="Ditahan, setelah 21 utas")
    comment_id = stored(app)[-1].id
    assert second.headers["Location"] == f"/articles/{ARTICLE}/comments?page=2#comment-{comment_id}"
    assert f'id="comment-{comment_id}"' in client.get(second.headers["Location"]).get_data(as_text=True)
    reply = post(client, comment="Balasan di halaman satu", parent=str(roots[5]))
    assert reply.headers["Location"] == f"/articles/{ARTICLE}#comment-{stored(app)[-1].id}"


def test_a_new_approved_thread_is_placed_after_the_others(app, client):
    app.config["WARTA_MODERATION"] = "none"
    for n in range(19):
        add_comment(app, body=f"Utas {n}")
    first = post(client, comment="Yang ke-20, disetujui")  # the 20th: page 1
    assert first.headers["Location"] == f"/articles/{ARTICLE}#comment-{stored(app)[-1].id}"
    newcomer = app.test_client()
    second = post(newcomer, comment="Yang ke-21, disetujui", email="budi@example.com")
    comment_id = stored(app)[-1].id  # the 21st: page 2, at the top
    assert second.headers["Location"] == f"/articles/{ARTICLE}/comments?page=2#comment-{comment_id}"
    html = newcomer.get(second.headers["Location"]).get_data(as_text=True)
    assert re.findall(r'<li id="comment-(\d+)" class="comment depth-0', html)[0] == str(comment_id)


def test_own_held_threads_and_placeholders_take_their_place_across_pages(app, client):
    """Pages are ranges of approved threads; the visitor's own held threads and the
    placeholders are read by id and shown on the page whose range holds them, however
    many comments others have waiting."""
    start = utcnow() - timedelta(hours=1)
    at = [start + timedelta(minutes=n) for n in range(30)]
    approved = [add_comment(app, body=f"Utas {n:02d}", created_at=at[2 * n]) for n in range(14)]
    placeholder = add_comment(app, body="Dihapus", created_at=at[29], status=Status.TRASH)
    add_comment(app, parent_id=placeholder, body="Balasan yang tetap", created_at=at[29])
    own = add_comment(app, body="Punya saya, ditahan", created_at=at[21], status=Status.PENDING)
    for n in range(30):  # other people's held comments, which this visitor never sees
        add_comment(app, body=f"Orang lain {n}", created_at=at[n], status=Status.PENDING)
    with client.session_transaction() as session:
        session["own_comments"] = [own]
    app.config["WARTA_COMMENTS_PER_PAGE"] = 6
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/articles/{ARTICLE}/comments?page={page}", headers=HTMX).get_data(as_text=True)
        shown.append([int(i) for i in re.findall(r'<li id="comment-(\d+)" class="comment depth-0', html)])
    # Approved threads at minutes 0, 2, ... 26; the own held one at 21; the placeholder at 29.
    assert shown == [approved[:6], approved[6:11] + [own, approved[11]], approved[12:] + [placeholder]]
    assert client.get(f"/articles/{ARTICLE}/comments?page=4", headers=HTMX).status_code == 404
    assert "Orang lain" not in "".join(
        client.get(f"/articles/{ARTICLE}/comments?page={page}", headers=HTMX).get_data(as_text=True)
        for page in (1, 2, 3))


# -- moderation policy as the commenter sees it --------------------------------------


def test_first_time_commenter_is_held_and_sees_it_alone(app_factory):
    app = app_factory()  # default policy: first-time
    author, stranger = app.test_client(), app.test_client()
    response = post(author, htmx=True, comment="Komentar pertama saya")
    assert "Komentar Anda sedang menunggu moderasi." in response.get_data(as_text=True)
    [comment] = stored(app)
    assert (comment.status, comment.hold_reason) == (Status.PENDING, "first-time")
    mine = author.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Komentar pertama saya" in mine and "sedang menunggu moderasi" in mine
    theirs = stranger.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Komentar pertama saya" not in theirs
    assert "Komentar pertama saya" not in stranger.get(f"/articles/{ARTICLE}/comments.atom").get_data(as_text=True)
    # Once an admin approved one, the same address is trusted.
    with app.app_context():
        db.session.get(Comment, comment.id).status = Status.APPROVED
        db.session.commit()
    post(author, comment="Komentar kedua")
    assert stored(app)[-1].status == Status.APPROVED


def test_spam_traps_hold_without_telling_the_sender(app_factory):
    app = app_factory(WARTA_MIN_FILL_SECONDS=3, WARTA_MODERATION="none", WARTA_BLOCKLIST="kasino, pinjol")
    client = app.test_client()
    html = post(client, htmx=True, comment="cepat sekali").get_data(as_text=True)
    assert "menunggu moderasi" in html
    post(client, comment="honeypot", fax="bot was here")
    post(client, comment="main kasino online")
    post(client, comment="dua tautan https://a.example https://b.example")
    reasons = [(c.status, c.hold_reason) for c in stored(app)]
    assert reasons == [
        (Status.PENDING, "too-fast"),
        (Status.SPAM, "honeypot"),
        (Status.SPAM, "blocklist"),
        (Status.PENDING, "too-fast"),
    ]


def test_the_fill_time_counts_from_the_public_page(app_factory, fixed_clock):
    """Everyone gets the same page, with the second it was rendered in: a post sent at
    once is held, one sent a few seconds later is not, and a form a day old is held."""
    app = app_factory(WARTA_MIN_FILL_SECONDS=3, WARTA_MODERATION="none")
    client = app.test_client()
    fields = form_fields(client)
    assert post(client, comment="seketika", ts=fields["ts"]).status_code == 303
    fixed_clock.advance(4)
    post(client, comment="setelah membaca", ts=fields["ts"])
    fixed_clock.advance(25 * 60 * 60)
    post(client, comment="formulir kemarin", ts=fields["ts"])
    assert [(c.body, c.status, c.hold_reason) for c in stored(app)] == [
        ("seketika", Status.PENDING, "too-fast"),
        ("setelah membaca", Status.APPROVED, ""),
        ("formulir kemarin", Status.PENDING, "stale-form"),
    ]


@pytest.mark.parametrize("htmx", [True, False])
def test_fixing_a_typo_keeps_the_time_the_form_was_first_shown(app_factory, fixed_clock, htmx):
    app = app_factory(WARTA_MIN_FILL_SECONDS=3, WARTA_MODERATION="none")
    client = app.test_client()
    first = form_fields(client)["ts"]
    fixed_clock.advance(10)
    response = post(client, htmx=htmx, ts=first, email="bukan-alamat")
    assert response.status_code == 422
    shown_again = hidden_fields(response.get_data(as_text=True))["ts"]
    assert shown_again == first
    fixed_clock.advance(1)  # corrected and sent again at once
    assert post(client, htmx=htmx, ts=shown_again).status_code in (200, 303)
    assert stored(app)[0].status == Status.APPROVED


def test_forged_form_timestamp_is_held(app_factory):
    app = app_factory(WARTA_MIN_FILL_SECONDS=3, WARTA_MODERATION="none")
    post(app.test_client(), ts="forged")
    assert stored(app)[0].hold_reason == "no-timestamp"


# -- reading ---------------------------------------------------------------------------


def test_threads_count_dates_and_escaping(app, client):
    written = datetime(2026, 11, 26, 3, 9, tzinfo=UTC)  # 10.09 in Jakarta
    first = add_comment(app, author="Ani", body="<script>alert(1)</script>\n\nhttps://example.org",
                        created_at=written)
    reply = add_comment(app, author="Budi", parent_id=first, url="https://budi.example")
    add_comment(app, author="Citra", parent_id=reply)
    add_comment(app, author="Tersembunyi", status=Status.PENDING)
    html = client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert '<h2 id="comment-count">3 komentar</h2>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert '<div class="comment-text" hx-ignore>' in html
    assert f'<ol class="children" id="children-{first}">' in html
    assert html.index("Ani") < html.index("Budi") < html.index("Citra")
    assert "Tersembunyi" not in html
    assert '<time datetime="2026-11-26T10:09:00+07:00">26 November 2026 pukul 10.09 WIB</time>' in html
    # The deepest level (3) has no reply control.
    assert html.count('class="reply-link"') == 2


def test_load_more_pages_of_threads(app, client):
    ids = [add_comment(app, author=f"Penulis {n:02d}", body=f"Komentar nomor {n:02d}") for n in range(25)]
    html = client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Komentar nomor 19" in html and "Komentar nomor 20" not in html
    assert f'hx-get="/articles/{ARTICLE}/comments?page=2"' in html
    fragment = client.get(f"/articles/{ARTICLE}/comments?page=2", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in body
    assert body.count('class="comment depth-0"') == 5 and f'id="comment-{ids[-1]}"' in body
    assert '<p id="comments-more" class="comments-more" hidden>' in body
    page = client.get(f"/articles/{ARTICLE}/comments?page=2").get_data(as_text=True)
    assert "<html" in page and "Komentar nomor 24" in page and "Komentar nomor 00" not in page


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999", "1e3"])
def test_bad_page_numbers_are_404(client, page):
    assert client.get(f"/articles/{ARTICLE}/comments?page={page}").status_code == 404
    assert client.get(f"/articles/{ARTICLE}/comments?page={page}", headers=HTMX).status_code == 404


def test_reply_form_in_both_shapes(app, client):
    parent = add_comment(app, author="Ani")
    url = f"/articles/{ARTICLE}/comments/{parent}/reply"
    fragment = client.get(url, headers=HTMX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert html.startswith(f'<li id="reply-slot-{parent}" class="reply-slot">')
    assert hidden_fields(html, f"reply-{parent}-commentform")["parent"] == str(parent)
    assert "Balas ke Ani" in html and "data-cancel-reply" in html
    plain = client.get(url)
    assert plain.status_code == 303
    assert plain.headers["Location"] == f"/articles/{ARTICLE}?replytocom={parent}#respond"
    page = client.get(plain.headers["Location"]).get_data(as_text=True)
    assert "Balas ke Ani" in page and hidden_fields(page)["parent"] == str(parent)
    for missing in (parent + 100, add_comment(app, status=Status.SPAM)):
        assert client.get(f"/articles/{ARTICLE}/comments/{missing}/reply", headers=HTMX).status_code == 404


def test_inline_reply_is_posted_under_its_parent(app, client):
    parent = add_comment(app, author="Ani")
    response = post(client, htmx=True, parent=str(parent), inline="1", comment="Setuju!")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith(f'<li id="reply-slot-{parent}" class="reply-slot" hidden></li>')
    assert f'<hx-partial hx-target="#children-{parent}" hx-swap="beforeend">' in html
    reply = stored(app)[-1]
    assert (reply.parent_id, reply.thread_id, reply.depth) == (parent, parent, 1)


def test_replies_past_the_deepest_level_join_their_parents_level(app, client):
    top = add_comment(app)
    middle = add_comment(app, parent_id=top)
    deepest = add_comment(app, parent_id=middle)
    post(client, parent=str(deepest), comment="lebih dalam")
    reply = stored(app)[-1]
    assert (reply.parent_id, reply.depth, reply.thread_id) == (middle, 2, top)


def test_remember_me_refills_the_form_in_that_browser_only(app, client):
    post(client, remember="y", url="https://ani.example")
    response = client.get(f"/articles/{ARTICLE}")
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'value="ani@example.com"' in html and 'value="Ani"' in html
    assert re.search(r'<input checked id="remember" name="remember" type="checkbox" value="y">', html)
    other = app.test_client().get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "ani@example.com" not in other
    post(client, comment="lagi, tanpa diingat")
    assert "ani@example.com" not in client.get(f"/articles/{ARTICLE}").get_data(as_text=True)


def test_atom_feed_lists_approved_comments(app, client):
    add_comment(app, author="Ani", body="Pertama & <utama>")
    add_comment(app, author="Budi", status=Status.PENDING, body="Tertahan")
    response = client.get(f"/articles/{ARTICLE}/comments.atom")
    xml = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    import xml.etree.ElementTree as ET

    feed = ET.fromstring(xml)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:author/a:name", ns).text == "Ani"
    assert entries[0].find("a:content", ns).text == "<p>Pertama &amp; &lt;utama&gt;</p>"
    assert "Tertahan" not in xml
    assert client.get("/articles/none/comments.atom").status_code == 404


def test_characters_xml_forbids_never_break_the_feed(app, client):
    import xml.etree.ElementTree as ET

    add_comment(app, author="Ani\uffff", body="Disimpan dulu \uffff\ufffe")  # stored before cleaning
    post(client, comment="Dikirim \uffff kini", author="Budi\ufffe")
    ET.fromstring(client.get(f"/articles/{ARTICLE}/comments.atom").get_data())  # parses
    assert stored(app)[-1].body == "Dikirim  kini" and stored(app)[-1].author == "Budi"


def test_remember_me_lasts_as_long_as_the_form_says(app, client):
    """Ticked, the cookie outlives the browser's session (30 days); unticked, it does not."""
    remembered = post(client, remember="y", comment="Ingat saya")
    cookie = " ".join(remembered.headers.getlist("Set-Cookie"))
    assert "Expires=" in cookie
    other = app.test_client()
    forgotten = post(other, comment="Jangan ingat")
    assert "Expires=" not in " ".join(forgotten.headers.getlist("Set-Cookie"))
