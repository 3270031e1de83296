"""The protected moderation pages: login, queue, actions, bulk, log."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Comment, ModerationEntry, Status

from helpers import ADMIN_NAME, ARTICLE, HTMX, AuthActions, add_comment, create_admin_account

ACTIONS = ["approve", "unapprove", "spam", "trash", "restore", "delete"]
ADMIN_SECRET = "rahasia-admin@example.com"


def status_of(app, comment_id):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return comment.status if comment else None


# -- nobody gets in without logging in -------------------------------------------------


def admin_routes(comment_id: int) -> list[tuple[str, str]]:
    routes = [("GET", "/admin/"), ("GET", "/admin/?status=spam&q=x"), ("GET", "/admin/log"),
              ("GET", "/admin/log.csv"), ("POST", "/admin/comments/bulk"), ("POST", "/admin/logout")]
    routes += [("POST", f"/admin/comments/{comment_id}/{action}") for action in ACTIONS]
    return routes


def test_every_admin_route_refuses_anonymous_visitors(app, client):
    comment_id = add_comment(app, status=Status.PENDING, email=ADMIN_SECRET, body="rahasia antrean")
    for method, path in admin_routes(comment_id):
        if path == "/admin/logout":
            continue  # logging out needs no login; its CSRF check is tested below
        for headers in ({}, HTMX):
            response = client.open(path, method=method, headers=headers,
                                   data={"ids": [str(comment_id)], "action": "approve"})
            body = response.get_data(as_text=True)
            assert "rahasia antrean" not in body and "r•••" not in body, path
            if method == "POST":
                # The CSRF check answers first for anonymous posts: refused either way.
                assert response.status_code == (401 if headers else 302), path
            elif headers:
                assert response.status_code == 401, path
                assert response.headers["HX-Redirect"].startswith("/admin/login?next=")
            else:
                assert response.status_code == 302, path
                assert response.headers["Location"].startswith("/admin/login?next=")
    assert status_of(app, comment_id) == Status.PENDING


def test_every_admin_post_needs_the_csrf_token(app, client, auth):
    comment_id = add_comment(app, status=Status.SPAM)
    auth.login()
    for method, path in admin_routes(comment_id):
        if method != "POST":
            continue
        for headers in ({}, HTMX):
            for token in (None, "wrong-token"):
                data = {"ids": [str(comment_id)], "action": "restore"}
                if token:
                    data["csrf_token"] = token
                response = client.post(path, data=data, headers=headers)
                assert response.status_code == 400, path
                assert "p•••" not in response.get_data(as_text=True)
    assert status_of(app, comment_id) == Status.SPAM
    assert client.get("/admin/").status_code == 200  # still logged in


# -- logging in ------------------------------------------------------------------------


def test_login_and_logout(client, auth):
    response = auth.login(next_url="/admin/log")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/log"
    assert client.get("/admin/log").status_code == 200
    response = auth.logout()
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example", "/\r\nSet-Cookie: x=1",
                                    "/admin/comments/5/approve", "/admin/comments/bulk", "/admin/logout"])
def test_login_next_cannot_leave_the_site(auth, target):
    response = auth.login(next_url=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"  # anything off-site falls back to the queue
    assert "Set-Cookie: x" not in str(response.headers)


def test_login_next_keeps_a_same_site_path(auth):
    response = auth.login(next_url="/admin/?status=spam&q=%0d%0a")
    assert response.headers["Location"] == "/admin/?status=spam&q=%0d%0a"


def test_wrong_name_and_wrong_password_get_the_same_answer(client, auth):
    wrong_name = auth.login(name="nobody")
    wrong_password = auth.login(password="salah")
    assert wrong_name.status_code == wrong_password.status_code == 422
    message = "Nama dan kata sandi itu tidak cocok dengan admin mana pun."
    assert message in wrong_name.get_data(as_text=True) and message in wrong_password.get_data(as_text=True)


def test_session_is_rotated_on_login(client, auth):
    client.get("/admin/login")
    before = client.get_cookie("session").value
    auth.login()
    after = client.get_cookie("session").value
    assert before != after
    # A session cookie from before the login does not carry the login.
    other = client.application.test_client()
    other.set_cookie("session", before)
    assert other.get("/admin/").status_code == 302


def test_sixth_failed_login_in_five_minutes_is_429(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    from helpers import AuthActions, create_admin_account

    create_admin_account(app)
    auth = AuthActions(app.test_client())
    for _ in range(5):
        assert auth.login(password="salah").status_code == 422
    response = auth.login(password="salah")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    # The limit holds for the right password too, and per name from another address.
    assert auth.login().status_code == 429
    elsewhere = AuthActions(app.test_client())
    token = re.search(r'name="csrf_token" value="([^"]+)"', elsewhere.client.get("/admin/login").get_data(as_text=True)).group(1)
    response = elsewhere.client.post("/admin/login", data={"csrf_token": token, "name": ADMIN_NAME, "password": "x"},
                                     environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 429


# -- the queue -------------------------------------------------------------------------


def test_queue_shows_rows_with_masked_email_and_counts(app, client, auth):
    parent = add_comment(app, author="Induk")
    add_comment(app, status=Status.PENDING, author="Penanya", email="penanya@example.com",
                url="https://penanya.example", ip="203.0.113.0", hold_reason="first-time",
                body="Apakah ini <b>benar</b>?", parent_id=parent)
    add_comment(app, status=Status.SPAM, body="spam")
    auth.login()
    html = client.get("/admin/").get_data(as_text=True)
    text = html.replace("<wbr>", "")  # addresses may wrap at their separators
    assert "p•••@example.com" in text and "penanya@example.com" not in text
    assert "https://penanya.example" in text and "203.0.113.0" in html
    assert "Apakah ini &lt;b&gt;benar&lt;/b&gt;?" in html
    assert "balasan untuk Induk" in html and "ditahan: komentar pertama dari alamat ini" in html
    assert '<div id="queue-status" class="queue-status" role="status" tabindex="-1"></div>' in html  # empty
    assert re.search(r'Menunggu <span class="count">1</span>', html)
    assert re.search(r'Disetujui <span class="count">1</span>', html)
    assert re.search(r'Spam <span class="count">1</span>', html)
    fragment = client.get("/admin/?status=spam", headers=HTMX)
    assert "<html" not in fragment.get_data(as_text=True) and "HX-Request" in fragment.headers["Vary"]
    assert fragment.headers["Cache-Control"] == "private, no-store"


def test_search_over_author_and_text(app, client, auth):
    add_comment(app, status=Status.PENDING, author="Sari", body="tentang Pyongyang")
    add_comment(app, status=Status.PENDING, author="Tono", body="tentang Moskow")
    add_comment(app, status=Status.PENDING, author="100% _asli_", body="lain")
    auth.login()
    html = client.get("/admin/?q=pyong").get_data(as_text=True)
    assert "Sari" in html and "Tono" not in html
    assert "Tono" in client.get("/admin/?q=tono").get_data(as_text=True)
    literal = client.get("/admin/?q=%25").get_data(as_text=True)
    assert "100% _asli_" in literal and "Sari" not in literal
    assert client.get("/admin/?status=nope").status_code == 404


@pytest.mark.parametrize(
    "start, action, end",
    [(Status.PENDING, "approve", Status.APPROVED), (Status.APPROVED, "unapprove", Status.PENDING),
     (Status.PENDING, "spam", Status.SPAM), (Status.APPROVED, "trash", Status.TRASH),
     (Status.TRASH, "restore", Status.PENDING), (Status.SPAM, "delete", None)],
)
def test_actions_change_status_and_are_logged(app, client, auth, start, action, end):
    comment_id = add_comment(app, status=start)
    auth.login()
    token = auth.csrf()
    response = client.post(f"/admin/comments/{comment_id}/{action}", headers=HTMX,
                           data={"csrf_token": token, "status": start})
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"]) == {"comments-changed": {"target": "body"}}
    assert status_of(app, comment_id) == end
    with app.app_context():
        [entry] = db.session.scalars(select(ModerationEntry))
        assert (entry.comment_id, entry.admin_name, entry.action, entry.from_status, entry.to_status) == (
            comment_id, ADMIN_NAME, action, start, end or "deleted")


def test_plain_action_redirects_back_to_the_queue(app, client, auth):
    comment_id = add_comment(app, status=Status.PENDING)
    auth.login()
    response = client.post(f"/admin/comments/{comment_id}/approve",
                           data={"csrf_token": auth.csrf(), "next": "/admin/?status=pending&q=x"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/?status=pending&q=x"
    assert status_of(app, comment_id) == Status.APPROVED


def test_actions_that_do_not_apply_are_refused(app, client, auth):
    approved = add_comment(app)
    auth.login()
    token = auth.csrf()
    assert client.post(f"/admin/comments/{approved}/delete", data={"csrf_token": token}).status_code == 409
    assert client.post(f"/admin/comments/{approved}/approve", data={"csrf_token": token}).status_code == 409
    assert client.post(f"/admin/comments/{approved}/launch", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/comments/999999/approve", data={"csrf_token": token}).status_code == 404
    assert status_of(app, approved) == Status.APPROVED


def test_bulk_action(app, client, auth):
    ids = [add_comment(app, status=Status.PENDING, body=f"massal {n}") for n in range(4)]
    approved = add_comment(app)
    auth.login()
    response = client.post("/admin/comments/bulk", headers=HTMX, data={
        "csrf_token": auth.csrf(), "action": "spam", "ids": [str(i) for i in ids[:3]] + [str(approved), "x"],
        "status": "pending"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and json.loads(response.headers["HX-Trigger"]) == {"comments-changed": {"target": "body"}}
    assert [status_of(app, i) for i in ids] == [Status.SPAM] * 3 + [Status.PENDING]
    assert status_of(app, approved) == Status.SPAM  # approved comments can be spammed too
    assert "4 komentar ditandai sebagai spam." in html
    assert "massal 3" in html and "massal 0" not in html  # the refreshed pending tab


def test_approval_shows_on_the_article_and_removal_leaves_a_placeholder(app, client, auth):
    reader = app.test_client()
    held = add_comment(app, status=Status.PENDING, body="Akhirnya disetujui")
    assert "Akhirnya disetujui" not in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    auth.login()
    client.post(f"/admin/comments/{held}/approve", data={"csrf_token": auth.csrf()})
    assert "Akhirnya disetujui" in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    reply = add_comment(app, parent_id=held, body="Balasan yang tetap")
    client.post(f"/admin/comments/{held}/trash", data={"csrf_token": auth.csrf()})
    html = reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Akhirnya disetujui" not in html
    assert "Komentar ini telah dihapus." in html and "Balasan yang tetap" in html
    # Deleting it for good moves its replies up a level.
    client.post(f"/admin/comments/{held}/delete", data={"csrf_token": auth.csrf()})
    with app.app_context():
        kept = db.session.get(Comment, reply)
        assert (kept.parent_id, kept.thread_id, kept.depth) == (None, None, 0)
    html = reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Balasan yang tetap" in html and "Komentar ini telah dihapus." not in html


def test_audit_log_page_and_csv(app, client, auth):
    comment_id = add_comment(app, status=Status.PENDING)
    auth.login()
    client.post(f"/admin/comments/{comment_id}/approve", data={"csrf_token": auth.csrf()})
    client.post(f"/admin/comments/{comment_id}/trash", data={"csrf_token": auth.csrf()})
    html = client.get("/admin/log").get_data(as_text=True)
    assert html.index("<td>Sampah</td>") < html.index("<td>Setujui</td>")  # newest first
    response = client.get("/admin/log.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["time", "admin", "comment", "action", "from", "to"]
    assert [r[1:] for r in rows[1:]] == [
        [ADMIN_NAME, str(comment_id), "trash", "approved", "trash"],
        [ADMIN_NAME, str(comment_id), "approve", "pending", "approved"],
    ]


def test_the_audit_log_csv_never_reads_as_formulas(app, client):
    create_admin_account(app, name="=cmd|'/C calc'!A0", password="kata-sandi-panjang")
    comment_id = add_comment(app, status=Status.PENDING)
    AuthActions(client).login(name="=cmd|'/C calc'!A0", password="kata-sandi-panjang")
    client.post(f"/admin/comments/{comment_id}/approve", data={"csrf_token": AuthActions(client).csrf()})
    rows = list(csv.reader(io.StringIO(client.get("/admin/log.csv").get_data(as_text=True))))
    assert rows[1][1] == "'=cmd|'/C calc'!A0"


# -- errors beside the form, notices that say what happened, undo -----------------------


@pytest.mark.parametrize(
    "data, message",
    [({"action": "spam"}, "Pilih dulu setidaknya satu komentar."),
     ({"action": "explode", "ids": ["1"]}, "Pilih tindakan untuk komentar yang dipilih."),
     ({"action": "spam", "ids": [str(i) for i in range(1, 502)]}, "Pilih paling banyak 500 komentar sekaligus.")],
)
def test_a_bulk_form_error_is_a_notice_beside_the_bulk_controls(app, client, auth, data, message):
    kept = add_comment(app, status=Status.PENDING, body="tetap di antrean")
    auth.login()
    response = client.post("/admin/comments/bulk", headers=HTMX, data={"csrf_token": auth.csrf(), **data})
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#bulk-notice"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert response.get_data(as_text=True).strip() == message
    # Without JavaScript: the queue page, the notice beside the controls, the rows kept.
    page = client.post("/admin/comments/bulk", data={"csrf_token": auth.csrf(), **data})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'<span id="bulk-notice" class="bulk-notice" role="status">{message}</span>' in html
    assert "tetap di antrean" in html
    assert status_of(app, kept) == Status.PENDING


def test_a_row_action_that_no_longer_applies_leaves_the_row_and_says_why(app, client, auth):
    approved = add_comment(app)
    auth.login()
    response = client.post(f"/admin/comments/{approved}/approve", headers=HTMX, data={"csrf_token": auth.csrf()})
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#queue-status"
    assert "telah berubah" in response.get_data(as_text=True)
    gone = client.post("/admin/comments/999999/approve", headers=HTMX, data={"csrf_token": auth.csrf()})
    assert gone.status_code == 404 and gone.headers["HX-Retarget"] == "#queue-status"
    stale = client.post(f"/admin/comments/{approved}/spam", headers=HTMX, data={"csrf_token": "old"})
    assert stale.status_code == 400 and stale.headers["HX-Retarget"] == "#queue-status"
    assert "kedaluwarsa" in stale.get_data(as_text=True)
    assert status_of(app, approved) == Status.APPROVED


@pytest.mark.parametrize(
    "action, count, message",
    [("approve", 1, "1 komentar disetujui."), ("spam", 2, "2 komentar ditandai sebagai spam."),
     ("trash", 2, "2 komentar dipindahkan ke sampah."), ("delete", 1, "1 komentar dihapus permanen.")],
)
def test_notices_say_what_happened(app, client, auth, action, count, message):
    start = Status.SPAM if action == "delete" else Status.PENDING
    ids = [add_comment(app, status=start) for _ in range(count)]
    auth.login()
    response = client.post("/admin/comments/bulk", headers=HTMX,
                           data={"csrf_token": auth.csrf(), "action": action, "ids": [str(i) for i in ids],
                                 "status": start})
    html = response.get_data(as_text=True)
    assert message in html
    assert ("Urungkan" in html) == (action != "delete")  # deleting for good cannot be undone


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_undo_puts_each_comment_back_where_it_was(app, client, auth, htmx):
    was_pending = add_comment(app, status=Status.PENDING, hold_reason="links")
    was_approved = add_comment(app)
    was_spam = add_comment(app, status=Status.SPAM)
    ids = [was_pending, was_approved, was_spam]
    auth.login()
    response = client.post("/admin/comments/bulk", headers=HTMX if htmx else {}, data={
        "csrf_token": auth.csrf(), "action": "trash", "ids": [str(i) for i in ids], "status": "pending"})
    if not htmx:
        assert response.status_code == 303
        response = client.get(response.headers["Location"])
    html = response.get_data(as_text=True)
    assert "3 komentar dipindahkan ke sampah." in html
    assert re.search(r'<div id="queue-status" class="queue-status" role="status" tabindex="-1" autofocus>', html)
    entries = re.findall(r'<input type="hidden" name="entries" value="(\d+)">', html)
    assert len(entries) == 3
    assert [status_of(app, i) for i in ids] == [Status.TRASH] * 3
    undone = client.post("/admin/comments/undo", headers=HTMX if htmx else {},
                         data={"csrf_token": auth.csrf(), "entries": entries, "status": "pending"})
    if not htmx:
        assert undone.status_code == 303
        undone = client.get(undone.headers["Location"])
    assert "Dibatalkan: 3 komentar kembali seperti semula." in undone.get_data(as_text=True)
    assert [status_of(app, i) for i in ids] == [Status.PENDING, Status.APPROVED, Status.SPAM]
    with app.app_context():
        assert db.session.get(Comment, was_pending).hold_reason == "links"
        last = db.session.scalars(select(ModerationEntry).order_by(ModerationEntry.id.desc())).first()
        assert (last.action, last.from_status, last.to_status) == ("undo", "trash", "spam")
    # Undoing again does nothing: the comments have moved on.
    again = client.post("/admin/comments/undo", headers=HTMX,
                        data={"csrf_token": auth.csrf(), "entries": entries})
    assert again.status_code == 409 and again.headers["HX-Retarget"] == "#queue-status"
    assert [status_of(app, i) for i in ids] == [Status.PENDING, Status.APPROVED, Status.SPAM]


def test_undo_skips_a_comment_changed_since(app, client, auth):
    first, second = add_comment(app, status=Status.PENDING), add_comment(app, status=Status.PENDING)
    auth.login()
    html = client.post("/admin/comments/bulk", headers=HTMX, data={
        "csrf_token": auth.csrf(), "action": "approve", "ids": [str(first), str(second)]}).get_data(as_text=True)
    entries = re.findall(r'name="entries" value="(\d+)"', html)
    client.post(f"/admin/comments/{second}/spam", headers=HTMX, data={"csrf_token": auth.csrf()})
    undone = client.post("/admin/comments/undo", headers=HTMX, data={"csrf_token": auth.csrf(), "entries": entries})
    assert "Dibatalkan: 1 komentar kembali seperti semula." in undone.get_data(as_text=True)
    assert (status_of(app, first), status_of(app, second)) == (Status.PENDING, Status.SPAM)


def test_a_row_action_answers_with_its_notice_and_undo(app, client, auth):
    comment_id = add_comment(app, status=Status.PENDING)
    auth.login()
    response = client.post(f"/admin/comments/{comment_id}/approve", headers=HTMX,
                           data={"csrf_token": auth.csrf(), "status": "pending"})
    html = response.get_data(as_text=True)
    assert html.startswith('<hx-partial hx-target="#queue-status" hx-swap="innerHTML">1 komentar disetujui.')
    entry = re.search(r'name="entries" value="(\d+)"', html).group(1)
    client.post("/admin/comments/undo", headers=HTMX, data={"csrf_token": auth.csrf(), "entries": [entry]})
    assert status_of(app, comment_id) == Status.PENDING


def test_the_log_speaks_the_uis_language_and_links_to_the_comment(app, client, auth):
    comment_id = add_comment(app, status=Status.PENDING, author="Sari Dewi", body="Isi komentar yang cukup panjang " * 5)
    gone = add_comment(app, status=Status.SPAM, author="Bot")
    auth.login()
    client.post(f"/admin/comments/{comment_id}/approve", data={"csrf_token": auth.csrf()})
    client.post(f"/admin/comments/{gone}/delete", data={"csrf_token": auth.csrf()})
    html = client.get("/admin/log").get_data(as_text=True)
    row = re.search(rf"<tr>\s*<td><time.*?Komentar #{comment_id} oleh Sari Dewi.*?</tr>", html, re.S).group(0)
    assert f'href="/admin/?status=approved#row-{comment_id}"' in row
    assert "Isi komentar yang cukup panjang Isi komentar" in row and "…" in row
    assert "<td>Setujui</td><td>Menunggu</td><td>Disetujui</td>" in row
    assert f"Komentar #{gone} (dihapus permanen)" in html
    assert "<td>Hapus permanen</td><td>Spam</td><td>Dihapus permanen</td>" in html
    for code in (">approve<", ">pending<", ">approved<", ">deleted<"):
        assert code not in html
    # The link leads to the row, on the page of the tab it is on.
    queue = client.get(f"/admin/?status=approved#row-{comment_id}").get_data(as_text=True)
    assert f'id="row-{comment_id}"' in queue


def test_the_log_links_to_the_page_of_the_queue_a_comment_is_on(app, client, auth, monkeypatch):
    from webapp import admin

    monkeypatch.setattr(admin, "QUEUE_PAGE", 2)
    oldest = add_comment(app, status=Status.PENDING, body="paling lama")
    for n in range(3):
        add_comment(app, status=Status.PENDING, body=f"baru {n}")
    auth.login()
    client.post(f"/admin/comments/{oldest}/spam", data={"csrf_token": auth.csrf()})
    client.post(f"/admin/comments/{oldest}/restore", data={"csrf_token": auth.csrf()})
    html = client.get("/admin/log").get_data(as_text=True)
    assert f'href="/admin/?status=pending&amp;page=2#row-{oldest}"' in html
    assert f'id="row-{oldest}"' in client.get("/admin/?status=pending&page=2").get_data(as_text=True)
