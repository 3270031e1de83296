"""Public responses for readers without personal state, personal ones for the rest, and
rendered pages thrown away exactly when a comment changes state."""

import re

import pytest

from webapp.extensions import db
from webapp.models import Comment, Status

from helpers import ARTICLE, HTMX, add_comment, hidden_fields, post


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


def test_a_comment_posted_approved_shows_at_once(app_factory):
    app = app_factory(WARTA_MODERATION="none")
    reader, commenter = app.test_client(), app.test_client()
    for url, headers in [(f"/articles/{ARTICLE}", {}), (f"/articles/{ARTICLE}/comments.atom", {})]:
        assert "Langsung tampil" not in reader.get(url, headers=headers).get_data(as_text=True)
    assert post(commenter, comment="Langsung tampil").status_code == 303
    for url, headers in [(f"/articles/{ARTICLE}", {}), (f"/articles/{ARTICLE}/comments?page=1", HTMX),
                         (f"/articles/{ARTICLE}/comments.atom", {})]:
        assert "Langsung tampil" in reader.get(url, headers=headers).get_data(as_text=True), url


def test_another_worker_sees_a_change_at_once(app_factory):
    first, second = app_factory(), app_factory(create_tables=False)  # one database, one cache dir
    comment_id = add_comment(first, status=Status.PENDING, body="Dari pekerja lain")
    reader = first.test_client()
    assert "Dari pekerja lain" not in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    set_status(second, comment_id, Status.APPROVED)
    assert "Dari pekerja lain" in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)


READER_ROUTES = [
    (f"/articles/{ARTICLE}", {}),
    (f"/articles/{ARTICLE}?sections=all", {}),
    (f"/articles/{ARTICLE}/sections/2", {}),
    (f"/articles/{ARTICLE}/sections/2", HTMX),
    (f"/articles/{ARTICLE}/comments?page=1", {}),
    (f"/articles/{ARTICLE}/comments?page=1", HTMX),
    (f"/articles/{ARTICLE}/comments.atom", {}),
]


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


def varies_on(response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",")}


@pytest.mark.parametrize("url, headers", READER_ROUTES)
def test_readers_without_personal_state_get_public_responses(app, client, url, headers):
    add_comment(app, body="Untuk semua")
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert cache_control(response) == {"public", "max-age=0", "s-maxage=1"}
    assert response.headers["ETag"]
    assert "cookie" in varies_on(response)
    if "/sections/" in url or "/comments?" in url:  # one URL, a page or a fragment
        assert {"hx-request", "hx-history-restore-request"} <= varies_on(response)


def test_every_stranger_gets_the_same_bytes(app, fixed_clock):
    add_comment(app, body="Bersama")
    for url, headers in READER_ROUTES:
        one = app.test_client().get(url, headers=headers)
        two = app.test_client().get(url, headers=headers)
        assert one.get_data() == two.get_data(), url
        assert one.headers["ETag"] == two.headers["ETag"], url


def test_the_shared_lifetime_is_a_setting(app_factory):
    app = app_factory(WARTA_SHARED_MAX_AGE=30)
    response = app.test_client().get(f"/articles/{ARTICLE}")
    assert cache_control(response) == {"public", "max-age=0", "s-maxage=30"}


def test_article_page_revalidates_with_etag(app, client, fixed_clock):
    first = client.get(f"/articles/{ARTICLE}")
    etag = first.headers["ETag"]
    again = client.get(f"/articles/{ARTICLE}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    add_comment(app, body="Perubahan")
    changed = client.get(f"/articles/{ARTICLE}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Perubahan" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_the_page_holds_a_new_form_timestamp_each_second(client, fixed_clock):
    first = client.get(f"/articles/{ARTICLE}")
    fixed_clock.advance(1)
    later = client.get(f"/articles/{ARTICLE}", headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200
    assert hidden_fields(later.get_data(as_text=True))["ts"] != hidden_fields(first.get_data(as_text=True))["ts"]


def test_section_fragment_and_feed_revalidate(client):
    url = f"/articles/{ARTICLE}/sections/2"
    first = client.get(url, headers=HTMX)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(url, headers={**HTMX, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    feed = client.get(f"/articles/{ARTICLE}/comments.atom")
    assert client.get(f"/articles/{ARTICLE}/comments.atom",
                      headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304


def test_a_notice_after_a_plain_post_is_personal_and_shown_once(app_factory):
    app = app_factory(WARTA_MODERATION="none")
    author = app.test_client()
    assert post(author, comment="Terima kasih untuk saya").status_code == 303
    page = author.get(f"/articles/{ARTICLE}")
    assert cache_control(page) == {"private", "no-store"} and "cookie" in varies_on(page)
    assert "Terima kasih. Komentar Anda telah diterbitkan." in page.get_data(as_text=True)
    again = author.get(f"/articles/{ARTICLE}")  # the notice was shown; nothing else is personal
    assert "Terima kasih. Komentar Anda" not in again.get_data(as_text=True)
    assert "public" in cache_control(again) and "Set-Cookie" not in again.headers


def test_an_admins_pages_are_personal(client, auth):
    auth.login()
    page = client.get(f"/articles/{ARTICLE}")
    assert cache_control(page) == {"private", "no-store"}


def test_remembered_details_are_never_cached_for_others(app):
    author = app.test_client()
    post(author, remember="y", email="ingat@example.com")
    mine = author.get(f"/articles/{ARTICLE}")
    assert cache_control(mine) == {"private", "no-store"} and "ETag" not in mine.headers
    assert 'value="ingat@example.com"' in mine.get_data(as_text=True)
    assert "ingat@example.com" not in app.test_client().get(f"/articles/{ARTICLE}").get_data(as_text=True)


def test_own_held_comment_is_not_served_from_the_shared_cache(app):
    app.config["WARTA_MODERATION"] = "all"
    stranger, author = app.test_client(), app.test_client()
    stranger.get(f"/articles/{ARTICLE}")  # warm the shared cache
    post(author, comment="Milik saya sendiri")
    assert "Milik saya sendiri" in author.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Milik saya sendiri" not in stranger.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    response = author.get(f"/articles/{ARTICLE}/comments?page=1", headers=HTMX)
    assert cache_control(response) == {"private", "no-store"}
    fragment = response.get_data(as_text=True)
    assert "Milik saya sendiri" in fragment
    assert re.search(r"sedang menunggu moderasi", fragment)
