"""Rendered pages are cached and thrown away exactly when a comment changes state."""

import re

from webapp import create_app
from webapp.extensions import db
from webapp.models import Comment, Status

from conftest import ARTICLE, HTMX, add_comment, csrf_token_from, make_config
from test_comments import post


def set_status(app, comment_id, status):
    with app.app_context():
        db.session.get(Comment, comment_id).status = status
        db.session.commit()


def test_every_state_change_shows_at_once(app, client):
    comment_id = add_comment(app, status=Status.PENDING, body="Muncul seketika")
    assert "Muncul seketika" not in client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    for status, visible in [(Status.APPROVED, True), (Status.SPAM, False), (Status.APPROVED, True),
                            (Status.TRASH, False), (Status.PENDING, False), (Status.APPROVED, True)]:
        set_status(app, comment_id, status)
        for url, headers in [(f"/articles/{ARTICLE}", {}), (f"/articles/{ARTICLE}/comments?page=1", HTMX),
                             (f"/articles/{ARTICLE}/comments.atom", {})]:
            html = client.get(url, headers=headers).get_data(as_text=True)
            assert ("Muncul seketika" in html) is visible, (status, url)


def test_a_comment_posted_approved_shows_at_once(tmp_path):
    """Posting inserts by statement, outside the ORM session: it moves the version itself."""
    app = create_app(make_config(tmp_path, WARTA_MODERATION="none"))
    with app.app_context():
        db.create_all()
    reader, commenter = app.test_client(), app.test_client()
    for url, headers in [(f"/articles/{ARTICLE}", {}), (f"/articles/{ARTICLE}/comments.atom", {})]:
        assert "Langsung tampil" not in reader.get(url, headers=headers).get_data(as_text=True)
    assert post(commenter, comment="Langsung tampil").status_code == 303
    for url, headers in [(f"/articles/{ARTICLE}", {}), (f"/articles/{ARTICLE}/comments?page=1", HTMX),
                         (f"/articles/{ARTICLE}/comments.atom", {})]:
        assert "Langsung tampil" in reader.get(url, headers=headers).get_data(as_text=True), url


def test_another_worker_sees_a_change_at_once(tmp_path):
    config = make_config(tmp_path)
    first, second = create_app(config), create_app(config)  # two workers: one database, one cache dir
    with first.app_context():
        db.create_all()
    comment_id = add_comment(first, status=Status.PENDING, body="Dari pekerja lain")
    reader = first.test_client()
    assert "Dari pekerja lain" not in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    set_status(second, comment_id, Status.APPROVED)
    assert "Dari pekerja lain" in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)


def test_personal_parts_stay_personal(app):
    add_comment(app, body="Bersama")
    one, two = app.test_client(), app.test_client()
    page_one = one.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    page_two = two.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert csrf_token_from(page_one) != csrf_token_from(page_two)
    assert "<warta:" not in page_one
    # Each token works for its own session only.
    assert post(one, comment="dari satu").status_code == 303
    response = two.post(f"/articles/{ARTICLE}/comments", data={
        "csrf_token": csrf_token_from(page_one), "comment": "x", "author": "y", "email": "z@example.com"})
    assert response.status_code == 400


def test_article_page_revalidates_with_etag(app, client):
    first = client.get(f"/articles/{ARTICLE}")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(f"/articles/{ARTICLE}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    add_comment(app, body="Perubahan")
    changed = client.get(f"/articles/{ARTICLE}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Perubahan" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag
    # Another visitor's ETag never matches (the page holds the session's CSRF secret).
    stranger = app.test_client().get(f"/articles/{ARTICLE}", headers={"If-None-Match": changed.headers["ETag"]})
    assert stranger.status_code == 200


def test_section_fragment_and_feed_revalidate(client):
    url = f"/articles/{ARTICLE}/sections/2"
    first = client.get(url, headers=HTMX)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(url, headers={**HTMX, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    feed = client.get(f"/articles/{ARTICLE}/comments.atom")
    assert client.get(f"/articles/{ARTICLE}/comments.atom",
                      headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304


def test_public_responses_do_not_vary_on_the_cookie(client):
    """A shared cache may keep one copy of what is the same for everyone; the page,
    which holds the visitor's token, varies on the cookie and is private."""
    client.get(f"/articles/{ARTICLE}")  # the visitor now has a session
    for url, headers in [(f"/articles/{ARTICLE}/sections/2", HTMX), (f"/articles/{ARTICLE}/comments.atom", {})]:
        response = client.get(url, headers=headers)
        assert "Cookie" not in response.headers.get("Vary", ""), url
        assert "Set-Cookie" not in response.headers, url
    page = client.get(f"/articles/{ARTICLE}")
    assert "Cookie" in page.headers["Vary"] and page.headers["Cache-Control"].startswith("private")


def test_remembered_details_are_never_cached_for_others(app):
    author = app.test_client()
    post(author, remember="y", email="ingat@example.com")
    mine = author.get(f"/articles/{ARTICLE}")
    assert mine.headers["Cache-Control"] == "private, no-store" and "ETag" not in mine.headers
    assert 'value="ingat@example.com"' in mine.get_data(as_text=True)
    assert "ingat@example.com" not in app.test_client().get(f"/articles/{ARTICLE}").get_data(as_text=True)


def test_own_held_comment_is_not_served_from_the_shared_cache(app):
    app.config["WARTA_MODERATION"] = "all"
    stranger, author = app.test_client(), app.test_client()
    stranger.get(f"/articles/{ARTICLE}")  # warm the shared cache
    post(author, comment="Milik saya sendiri")
    assert "Milik saya sendiri" in author.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Milik saya sendiri" not in stranger.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    fragment = author.get(f"/articles/{ARTICLE}/comments?page=1", headers=HTMX).get_data(as_text=True)
    assert "Milik saya sendiri" in fragment
    assert re.search(r"sedang menunggu moderasi", fragment)
