"""Mail addresses: the notify box, confirmation through a mailed link, reply
notifications, moderator alerts and one-click unsubscription, through a real SMTP server."""

import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import MailStatus, OutboxMessage, Status, Subscriber
from webapp.signing import email_key

from helpers import ARTICLE, HTMX, add_comment, post, status_of


@pytest.fixture
def app_config(smtp_sink) -> dict:
    # The test client asks for localhost; the links in mail name the public address.
    return smtp_sink.settings(WARTA_BASE_URL="https://news.example.org", TRUSTED_HOSTS=["localhost"])


def send(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def link(message, kind: str) -> str:
    """The path of the first link of this kind (confirm, unsubscribe, manage) in a message."""
    match = re.search(rf"https://news\.example\.org(/\S*{kind}/\S+)", message.text())
    assert match, f"no {kind} link in:\n{message.text()}"
    return match.group(1)


def subscriber(app, email="ani@example.com") -> Subscriber | None:
    with app.app_context():
        key = email_key(app.config["SECRET_KEY"], email)
        return db.session.scalars(select(Subscriber).where(Subscriber.email_hash == key)).first()


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def confirmed_commenter(app, client, smtp_sink, email="ani@example.com", author="Ani") -> int:
    """Post with notify, then confirm through the mailed link; returns the comment's id."""
    post(client, notify="y", email=email, author=author)
    send(app)
    path = link(smtp_sink.to(email)[-1], "confirm")
    assert client.post(path).status_code == 200
    return max(c.id for c in _comments(app))


def _comments(app):
    from helpers import stored

    return stored(app)


# -- the form --------------------------------------------------------------------------


def test_the_form_offers_the_notify_box_only_with_mail(app_factory, smtp_sink):
    with_mail = app_factory(**smtp_sink.settings()).test_client()
    html = with_mail.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert 'name="notify"' in html
    assert "Beri tahu saya lewat email bila ada balasan" in html
    without = app_factory().test_client()
    html = without.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert 'name="notify"' not in html


def test_without_a_mail_server_nothing_is_written_or_served(app_factory):
    app = app_factory(WARTA_MODERATOR_EMAILS=["editor@news.example"])
    client = app.test_client()
    assert post(client, notify="y").status_code == 303
    assert outbox(app) == []
    assert subscriber(app) is None
    assert client.get("/mail/unsubscribe/anything").status_code == 404
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


# -- confirmation ----------------------------------------------------------------------


def test_notify_sends_a_confirmation_whose_page_confirms_on_post(app, client, smtp_sink):
    assert post(client, notify="y").status_code == 303
    assert smtp_sink.received == []  # posting never talks to SMTP
    send(app)
    [confirmation] = smtp_sink.to("ani@example.com")
    assert confirmation.message["Subject"] == "Konfirmasi alamat email Anda untuk Warta"
    assert "Untuk mengonfirmasi alamat ini" in confirmation.text()
    path = link(confirmation, "confirm")
    page = client.get(path)  # what a mail scanner does: changes nothing
    assert page.status_code == 200
    assert "Konfirmasi alamat saya" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert subscriber(app).confirmed_at is None
    done = client.post(path)
    assert done.status_code == 200
    assert "alamat Anda telah dikonfirmasi" in done.get_data(as_text=True)
    assert subscriber(app).confirmed_at is not None
    # The link works once.
    again = client.post(path)
    assert again.status_code == 410
    assert "sudah dipakai" in again.get_data(as_text=True)


def test_a_second_comment_within_a_day_sends_no_second_confirmation(app, client, smtp_sink):
    post(client, notify="y")
    post(client, notify="y", comment="Komentar kedua.")
    send(app)
    assert len(smtp_sink.to("ani@example.com")) == 1


def test_a_confirmed_address_is_mailed_its_manage_link(app, client, smtp_sink):
    confirmed_commenter(app, client, smtp_sink)
    post(client, notify="y", comment="Komentar berikutnya.")
    send(app)
    note = smtp_sink.to("ani@example.com")[-1]
    path = link(note, "manage")
    page = client.get(path)
    assert page.status_code == 200
    assert "Komentar berikutnya." in page.get_data(as_text=True)


def test_links_without_a_base_url_use_the_request_address(app_factory, smtp_sink):
    app = app_factory(**smtp_sink.settings())
    post(app.test_client(), notify="y", headers={"Host": "warta.example.net"})
    send(app)
    [confirmation] = smtp_sink.to("ani@example.com")
    assert "http://warta.example.net/mail/confirm/" in confirmation.text()


@pytest.mark.parametrize(
    "mangle, code, words",
    [
        (lambda token: token[:-3] + "xyz", 404, "Tautan ini tidak sah"),
        (lambda token: "bukan-token", 404, "Tautan ini tidak sah"),
        (lambda token: token * 20, 404, "Tautan ini tidak sah"),
    ],
)
def test_a_forged_confirmation_link_gets_a_clear_page(app, client, smtp_sink, mangle, code, words):
    post(client, notify="y")
    send(app)
    path = link(smtp_sink.to("ani@example.com")[0], "confirm")
    base, token = path.rsplit("/", 1)
    for method in (client.get, client.post):
        response = method(f"{base}/{mangle(token)}")
        assert response.status_code == code
        assert words in response.get_data(as_text=True)
    assert subscriber(app).confirmed_at is None


def test_an_expired_confirmation_link_gets_a_clear_page(app, client, smtp_sink, fixed_clock):
    post(client, notify="y")
    send(app)
    path = link(smtp_sink.to("ani@example.com")[0], "confirm")
    fixed_clock.advance(8 * 24 * 3600)
    response = client.post(path)
    assert response.status_code == 410
    assert "kedaluwarsa" in response.get_data(as_text=True)
    assert subscriber(app).confirmed_at is None


# -- trust -----------------------------------------------------------------------------


def test_with_mail_a_known_name_and_address_must_also_be_confirmed(app, client, smtp_sink):
    add_comment(app, author="Ani", email="ani@example.com")
    post(client, comment="Belum dikonfirmasi.")
    assert [c.hold_reason for c in _comments(app)][-1] == "unconfirmed"
    confirmed_commenter(app, client, smtp_sink)  # this one is held too: not yet confirmed
    post(client, comment="Sekarang dikonfirmasi.")
    assert _comments(app)[-1].status == Status.APPROVED


def test_a_confirmed_address_under_another_name_is_held(app, client, smtp_sink):
    add_comment(app, author="Ani", email="ani@example.com")
    confirmed_commenter(app, client, smtp_sink)
    post(client, author="Penipu", comment="Nama lain, alamat yang sama.")
    last = _comments(app)[-1]
    assert (last.status, last.hold_reason) == (Status.PENDING, "other-name")


# -- reply notifications ---------------------------------------------------------------


def test_a_reply_is_notified_once_it_is_approved(app, client, auth, smtp_sink):
    parent = confirmed_commenter(app, client, smtp_sink)
    add_comment(app, author="Ani", email="ani@example.com", status=Status.APPROVED)
    with app.app_context():
        db.session.get(type(_comments(app)[0]), parent).status = Status.APPROVED
        db.session.commit()
    replier = app.test_client()
    post(replier, parent=str(parent), author="Budi", email="budi.rahasia@example.com",
         comment="Saya tidak setuju,\r\nkarena alasan ini.")
    reply = _comments(app)[-1]
    assert reply.status == Status.PENDING
    before = len(smtp_sink.to("ani@example.com"))
    send(app)
    assert len(smtp_sink.to("ani@example.com")) == before  # not before approval
    auth.login()
    client.post(f"/admin/comments/{reply.id}/approve", data={"csrf_token": auth.csrf()})
    assert status_of(app, reply.id) == Status.APPROVED
    send(app)
    [notice] = smtp_sink.to("ani@example.com")[before:]
    text = notice.text()
    assert "Budi membalas komentar Anda" in notice.message["Subject"]
    assert "Saya tidak setuju,\nkarena alasan ini." in text
    assert f"https://news.example.org/articles/{ARTICLE}#comment-{reply.id}" in text
    assert "budi.rahasia" not in notice.raw.decode()
    unsubscribe = notice.message["List-Unsubscribe"]
    assert re.fullmatch(r"<https://news\.example\.org/mail/unsubscribe/[^>\s]+>", unsubscribe)
    assert notice.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link(notice, "unsubscribe") == unsubscribe[1:-1].removeprefix("https://news.example.org")
    # Unapproved and approved again: still one message.
    token = auth.csrf()
    client.post(f"/admin/comments/{reply.id}/unapprove", data={"csrf_token": token})
    client.post(f"/admin/comments/{reply.id}/approve", data={"csrf_token": token})
    send(app)
    assert len(smtp_sink.to("ani@example.com")) == before + 1


def test_an_approved_reply_on_arrival_is_notified(app, client, smtp_sink):
    parent = confirmed_commenter(app, client, smtp_sink)
    add_comment(app, author="Budi", email="budi@example.com")  # Budi is known
    with app.app_context():
        from webapp.models import Comment

        db.session.get(Comment, parent).status = Status.APPROVED
        key = email_key(app.config["SECRET_KEY"], "budi@example.com")
        db.session.add(Subscriber(email_hash=key, email="budi@example.com",
                                  confirmed_at=db.func.now()))
        db.session.commit()
    post(app.test_client(), parent=str(parent), author="Budi", email="budi@example.com",
         comment="Balasan langsung terbit.")
    assert _comments(app)[-1].status == Status.APPROVED
    send(app)
    assert "Balasan langsung terbit." in smtp_sink.to("ani@example.com")[-1].text()


@pytest.mark.parametrize("case", ["own reply", "no notify", "unconfirmed"])
def test_no_notification_for_own_replies_or_without_a_confirmed_request(app, client, smtp_sink, case):
    if case == "unconfirmed":
        post(client, notify="y")
        parent = _comments(app)[-1].id
    else:
        parent = confirmed_commenter(app, client, smtp_sink)
    with app.app_context():
        from webapp.models import Comment

        comment = db.session.get(Comment, parent)
        comment.status = Status.APPROVED
        comment.notify = case != "no notify"
        db.session.commit()
    email = "ani@example.com" if case == "own reply" else "budi@example.com"
    add_comment(app, parent_id=parent, author="Budi", email=email, body="Balasan.")
    send(app)
    assert [m for m in smtp_sink.to("ani@example.com") if "Balasan." in m.text()] == []


# -- unsubscribing ---------------------------------------------------------------------


def test_one_click_unsubscribe_stops_all_mail(app, client, smtp_sink):
    parent = confirmed_commenter(app, client, smtp_sink)
    with app.app_context():
        from webapp.models import Comment

        db.session.get(Comment, parent).status = Status.APPROVED
        db.session.commit()
    add_comment(app, parent_id=parent, author="Budi", email="budi@example.com", body="Satu.")
    path = link(smtp_sink.to("ani@example.com")[0], "unsubscribe")
    # As RFC 8058's mail provider sends it: a bare POST, no browser headers, no page.
    response = app.test_client().post(
        path, data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    unsubscribed = subscriber(app)
    assert unsubscribed.unsubscribed_at is not None and unsubscribed.email == ""
    add_comment(app, parent_id=parent, author="Budi", email="budi@example.com", body="Dua.")
    post(client, notify="y", comment="Masih ingin surat?")
    count = len(smtp_sink.to("ani@example.com"))
    send(app)
    assert len(smtp_sink.to("ani@example.com")) == count  # the waiting "Satu." was skipped too
    assert {m.status for m in outbox(app) if m.to_address == "ani@example.com"} >= {MailStatus.SKIPPED}
    # Twice is still done, and the page says so.
    assert app.test_client().post(path).status_code == 200
    assert "Anda telah berhenti berlangganan" in client.get(path).get_data(as_text=True)


def test_the_unsubscribe_page_shows_a_button_and_a_forged_link_a_clear_page(app, client, smtp_sink):
    post(client, notify="y")
    send(app)
    path = link(smtp_sink.to("ani@example.com")[0], "unsubscribe")
    page = client.get(path)
    assert page.status_code == 200
    assert "<button" in page.get_data(as_text=True)
    assert subscriber(app).unsubscribed_at is None  # GET changes nothing
    forged = client.post(path[:-2] + "xx")
    assert forged.status_code == 404
    assert "Tautan ini tidak sah" in forged.get_data(as_text=True)


def test_a_browser_cannot_unsubscribe_someone_from_another_site(app, client, smtp_sink):
    post(client, notify="y")
    send(app)
    path = link(smtp_sink.to("ani@example.com")[0], "unsubscribe")
    response = client.post(path, headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert subscriber(app).unsubscribed_at is None


# -- moderators ------------------------------------------------------------------------


def test_moderators_are_alerted_of_a_held_comment_without_the_full_address(app, client, smtp_sink):
    post(client, author="Siti", email="siti.pribadi@example.com", comment="Komentar pertama.")
    post(app.test_client(), htmx=True, author="Joko", email="joko@example.com",
         comment="https://a.example https://b.example", headers=HTMX)
    send(app)
    alerts = smtp_sink.to("editor@news.example")
    assert len(alerts) == 2
    first = alerts[0]
    text = first.text()
    assert "komentar pertama dari alamat ini" in text
    assert "s•••@example.com" in text
    assert "siti.pribadi" not in first.raw.decode()
    assert "https://news.example.org/admin/?status=pending" in text
    assert "terlalu banyak tautan" in alerts[1].text()
    assert first.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_approved_and_spam_comments_alert_no_one(app_factory, smtp_sink):
    app = app_factory(**smtp_sink.settings(WARTA_MODERATION="none", WARTA_BLOCKLIST=["kasino"]))
    post(app.test_client(), comment="Langsung terbit.")
    post(app.test_client(), comment="Main kasino di sini.")
    send(app)
    assert smtp_sink.to("editor@news.example") == []


def test_spam_that_ticks_notify_mails_no_one(app, client, smtp_sink):
    post(client, notify="y", fax="http://spam.example")  # the honeypot: spam
    send(app)
    assert smtp_sink.to("ani@example.com") == [] and subscriber(app) is None
