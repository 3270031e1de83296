"""A commenter's own comment through its private link: status, edit, delete; in both
shapes, with the cache kept right and the email never shown."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp import signing
from webapp.extensions import db
from webapp.models import Comment, OutboxMessage, Status
from webapp.timeutil import utcnow

from helpers import ARTICLE, HTMX, add_comment, post, status_of, stored

MANAGE_LINK = re.compile(r'href="(/comments/(\d+)/manage/[^"]+)"')


@pytest.fixture
def app_config() -> dict:
    return {"WARTA_MODERATION": "none"}


def manage_link(html: str) -> str:
    match = MANAGE_LINK.search(html)
    assert match, "no manage link"
    return match.group(1)


def posted(client, htmx=False, **fields) -> str:
    """Post a comment; the manage link the success notice shows."""
    response = post(client, htmx=htmx, **fields)
    if htmx:
        assert response.status_code == 200
        return manage_link(response.get_data(as_text=True))
    assert response.status_code == 303
    return manage_link(client.get(response.headers["Location"]).get_data(as_text=True))


def comment(app, comment_id) -> Comment | None:
    with app.app_context():
        return db.session.get(Comment, comment_id)


def link_for(app, comment_id: int) -> str:
    with app.app_context():
        found = db.session.get(Comment, comment_id)
        token = signing.manage_token(found.id, found.created_at)
    return f"/comments/{comment_id}/manage/{token}"


def test_the_success_notice_shows_the_private_link_in_both_shapes(app, client):
    plain = posted(client)
    htmx = posted(app.test_client(), htmx=True, comment="Lewat htmx.", email="b@example.com")
    assert plain != htmx
    # Shown once: the next page is everyone's again.
    page = client.get(f"/articles/{ARTICLE}")
    assert "/manage/" not in page.get_data(as_text=True)


def test_the_page_shows_the_status_and_never_the_email(app, client):
    link = posted(client, email="ani.rahasia@example.com")
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "Diterbitkan" in html and "Analisis yang bagus." in html
    assert "ani.rahasia" not in html
    assert "Hapus komentar saya" in html and "Simpan perubahan" in html


def test_a_held_comment_shows_why_in_words(app_factory):
    app = app_factory()  # first-time moderation
    client = app.test_client()
    html = client.get(posted(client)).get_data(as_text=True)
    assert "Menunggu moderasi" in html
    assert "komentar pertama dari alamat ini" in html


def test_edit_changes_the_text_marks_it_and_refreshes_the_public_page(app, client):
    link = posted(client)
    reader = app.test_client()
    before = reader.get(f"/articles/{ARTICLE}")
    assert before.headers["Cache-Control"].startswith("public")
    response = client.post(link + "/edit", data={"comment": "Teks yang sudah diperbaiki."})
    assert response.status_code == 303 and response.headers["Location"] == link
    assert "Komentar Anda telah diubah." in client.get(link).get_data(as_text=True)
    [edited] = stored(app)
    assert (edited.body, edited.status) == ("Teks yang sudah diperbaiki.", Status.APPROVED)
    assert edited.edited_at is not None
    after = reader.get(f"/articles/{ARTICLE}", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # not 304: the discussion moved on
    html = after.get_data(as_text=True)
    assert "Teks yang sudah diperbaiki." in html and "Analisis yang bagus." not in html
    assert "disunting" in html


def test_edit_through_htmx_answers_the_part_with_its_notice(app, client):
    link = posted(client)
    response = client.post(link + "/edit", data={"comment": "Versi htmx."}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith("<section") and 'id="manage-comment"' in html
    assert "Komentar Anda telah diubah." in html and "Versi htmx." in html
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_an_edit_into_spam_goes_back_to_the_queue(app_factory, smtp_sink):
    app = app_factory(**smtp_sink.settings(WARTA_MODERATION="none"))
    client = app.test_client()
    link = posted(client)
    client.post(link + "/edit", data={"comment": "Beli di https://a.example dan https://b.example"})
    [held] = stored(app)
    assert (held.status, held.hold_reason) == (Status.PENDING, "links")
    with app.app_context():
        alerts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "moderator")).all()
    assert len(alerts) == 1
    assert "Menunggu moderasi" in client.get(link).get_data(as_text=True)


def test_an_edit_never_publishes_a_held_comment(app_factory):
    app = app_factory()
    client = app.test_client()
    link = posted(client)
    client.post(link + "/edit", data={"comment": "Tetap ditahan."})
    [held] = stored(app)
    assert (held.status, held.hold_reason, held.body) == (Status.PENDING, "first-time", "Tetap ditahan.")


def test_a_bad_edit_keeps_what_was_typed(app, client):
    link = posted(client)
    response = client.post(link + "/edit", data={"comment": "x" * 5001}, headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "paling banyak 5000 karakter" in html and 'aria-invalid="true"' in html
    assert stored(app)[0].body == "Analisis yang bagus."
    assert client.post(link + "/edit", data={"comment": "   "}).status_code == 422


@pytest.mark.parametrize("why", ["late", "replied"])
def test_no_edit_after_ten_minutes_or_once_replied(app, client, why):
    link = posted(client)
    [own] = stored(app)
    if why == "late":
        with app.app_context():
            db.session.get(Comment, own.id).created_at = utcnow() - timedelta(minutes=11)
            db.session.commit()
        link = link_for(app, own.id)  # the token names the moment of posting
    else:
        add_comment(app, parent_id=own.id, author="Budi", email="budi@example.com")
    assert "Simpan perubahan" not in client.get(link).get_data(as_text=True)
    response = client.post(link + "/edit", data={"comment": "Terlambat."})
    assert response.status_code == 409
    assert "tidak dapat disunting lagi" in response.get_data(as_text=True)
    assert stored(app)[0].body == "Analisis yang bagus."


def test_delete_without_replies_removes_it(app, client):
    link = posted(client)
    reader = app.test_client()
    assert "Analisis yang bagus." in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    response = client.post(link + "/delete")
    assert response.status_code == 303
    assert "Komentar Anda telah dihapus." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert stored(app) == []
    assert "Analisis yang bagus." not in reader.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    gone = client.get(link)
    assert gone.status_code == 410 and "Komentar ini telah dihapus." in gone.get_data(as_text=True)


def test_delete_with_replies_leaves_a_placeholder(app, client):
    link = posted(client, email="ani.rahasia@example.com")
    [own] = stored(app)
    reply = add_comment(app, parent_id=own.id, author="Budi", email="budi@example.com", body="Balasan Budi.")
    response = client.post(link + "/delete", headers=HTMX)
    assert response.status_code == 200
    assert "Komentar Anda telah dihapus." in response.get_data(as_text=True)
    kept = comment(app, own.id)
    assert (kept.status, kept.body, kept.email) == (Status.TRASH, "", "")
    html = app.test_client().get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Komentar ini telah dihapus." in html and "Balasan Budi." in html
    assert status_of(app, reply) == Status.APPROVED
    assert client.get(link).status_code == 410
    assert client.post(link + "/edit", data={"comment": "Hidup lagi?"}).status_code == 410


@pytest.mark.parametrize(
    "mangle",
    [lambda path: path[:-4] + "abcd", lambda path: path.rsplit("/", 1)[0] + "/x", lambda path: path + "A" * 500],
)
def test_a_forged_link_gets_a_clear_page(app, client, mangle):
    link = mangle(posted(client))
    for response in (client.get(link), client.post(link + "/edit", data={"comment": "Diretas."}),
                     client.post(link + "/delete")):
        assert response.status_code == 404
        assert "Tautan ini tidak sah" in response.get_data(as_text=True)
    assert stored(app)[0].body == "Analisis yang bagus."


def test_a_link_works_for_its_comment_only(app, client):
    first = posted(client)
    add_comment(app, author="Budi", email="budi@example.com", body="Milik Budi.")
    other_id = stored(app)[-1].id
    token = first.rsplit("/", 1)[1]
    response = client.post(f"/comments/{other_id}/manage/{token}/delete")
    assert response.status_code == 404
    assert comment(app, other_id) is not None


def test_a_link_to_a_deleted_comment_whose_id_was_reused_is_refused(app, client):
    link = posted(client)
    client.post(link + "/delete")
    posted(client, comment="Komentar baru, mungkin dengan id yang sama.")
    response = client.post(link + "/delete")
    assert response.status_code == 410
    assert len(stored(app)) == 1


def test_another_site_cannot_make_a_browser_delete(app, client):
    link = posted(client)
    response = client.post(link + "/delete", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert len(stored(app)) == 1
