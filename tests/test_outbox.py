"""The outbox: messages written with the change that caused them, delivered by
``flask mail send`` through a real SMTP server, retried, never sent twice."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp import outbox
from webapp.extensions import db
from webapp.models import MailStatus, OutboxMessage
from webapp.signing import email_key

from helpers import DATABASE_URL, add_comment, post, stored


@pytest.fixture
def app_config(smtp_sink) -> dict:
    # The test client asks for localhost; the links in mail name the public address.
    return smtp_sink.settings(WARTA_BASE_URL="https://news.example.org", TRUSTED_HOSTS=["localhost"])


def run(app, *args):
    return app.test_cli_runner().invoke(args=["mail", *args])


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(app, count: int, start: int = 0) -> None:
    """``count`` held comments, each alerting the moderator once."""
    for n in range(start, start + count):
        post(app.test_client(), author=f"Pembaca {n}", email=f"p{n}@example.com",
             comment=f"Komentar nomor {n}.")


def received_ids(sink) -> list[str]:
    return [r.message["Message-ID"] for r in sink.received]


def test_a_message_is_written_in_the_transaction_that_caused_it(app):
    with app.app_context():
        from webapp.models import Comment, Status

        db.session.add(Comment(article_slug="putin-kim-pakta-pertahanan", author="A", email="a@example.com",
                               email_hash="h", body="x", status=Status.PENDING, hold_reason="first-time"))
        db.session.flush()
        assert db.session.scalars(select(OutboxMessage)).all()  # in the same transaction
        db.session.rollback()
    assert rows(app) == [] and stored(app) == []


def test_mail_send_delivers_and_never_twice(app, smtp_sink):
    queue(app, 3)
    result = run(app, "send")
    assert result.exit_code == 0 and "sent 3" in result.output
    assert run(app, "send").output.startswith("sent 0")
    ids = received_ids(smtp_sink)
    assert len(ids) == 3 == len(set(ids))
    assert {r.status for r in rows(app)} == {MailStatus.SENT}
    assert [r.rcpt_tos for r in smtp_sink.received] == [["editor@news.example"]] * 3
    assert all(r.mail_from == "warta@news.example" for r in smtp_sink.received)


def test_a_mail_server_that_goes_down_loses_nothing_and_sends_nothing_twice(app, smtp_sink):
    queue(app, 2)
    run(app, "send")
    smtp_sink.stop()
    started = time.monotonic()
    queue(app, 3, start=2)  # posting goes on while the server is down
    assert time.monotonic() - started < 5
    assert len(stored(app)) == 5
    result = run(app, "send")
    assert result.exit_code == 0 and "could not be reached" in result.output
    waiting = [r for r in rows(app) if r.status == MailStatus.WAITING]
    assert len(waiting) == 3
    assert [r.attempts for r in waiting] == [1, 0, 0]  # the run stopped at the first failure
    assert "ConnectionRefusedError" in waiting[0].last_error or "Connect" in waiting[0].last_error
    status = run(app, "status").output
    assert "waiting: 3" in status and "sent: 2" in status
    assert f"#{waiting[0].id} waiting moderator to e•••@news.example, 1 attempts" in status
    smtp_sink.start()  # the same address, again
    assert "sent 3" in run(app, "send").output
    run(app, "send")
    ids = received_ids(smtp_sink)
    assert len(ids) == 5 == len(set(ids))
    bodies = sorted(r.text() for r in smtp_sink.received)
    assert [f"Komentar nomor {n}." in b for n, b in enumerate(bodies)] == [True] * 5


def test_retries_wait_longer_each_time_then_give_up(app_factory, smtp_sink):
    app = app_factory(**smtp_sink.settings(WARTA_MAIL_RETRY_SECONDS=60, WARTA_MAIL_MAX_ATTEMPTS=2))
    queue(app, 1)
    smtp_sink.stop()
    run(app, "send")
    [row] = rows(app)
    assert row.status == MailStatus.WAITING
    assert timedelta(seconds=55) < row.next_attempt_at - row.claimed_at <= timedelta(seconds=61)
    run(app, "send")
    assert rows(app)[0].attempts == 1  # not due yet
    with app.app_context():
        db.session.get(OutboxMessage, row.id).next_attempt_at = row.created_at
        db.session.commit()
    run(app, "send")
    [row] = rows(app)
    assert (row.status, row.attempts) == (MailStatus.FAILED, 2)
    assert "failed: 1" in run(app, "status").output
    smtp_sink.start()
    assert "1 messages will be sent again" in run(app, "retry", str(row.id)).output
    run(app, "send")
    assert len(smtp_sink.received) == 1


def test_retry_delays_double_up_to_six_hours():
    assert [outbox.retry_delay(n, 60).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert outbox.retry_delay(30, 60) == timedelta(hours=6)


def test_a_permanent_refusal_fails_at_once_and_shows_in_status(app, smtp_sink):
    smtp_sink.refuse.add("editor@news.example")
    queue(app, 1)
    run(app, "send")
    [row] = rows(app)
    assert (row.status, row.attempts) == (MailStatus.FAILED, 1)
    assert "550" in row.last_error
    assert "550" in run(app, "status").output


def test_two_senders_at_once_send_each_message_once(app, smtp_sink):
    queue(app, 12)
    reports = []

    def sender():
        with app.app_context():
            reports.append(outbox.deliver(db.session, app.config))
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ids = received_ids(smtp_sink)
    assert len(ids) == 12 == len(set(ids))
    assert sum(r.sent for r in reports) == 12
    assert {r.status for r in rows(app)} == {MailStatus.SENT}


def test_a_claimed_message_is_never_claimed_again(app):
    queue(app, 1)
    with app.app_context():
        first = outbox.claim_next(db.session, outbox.utcnow())
        assert first is not None and first.status == MailStatus.SENDING
        assert outbox.claim_next(db.session, outbox.utcnow()) is None
    assert "claimed by a sender" in run(app, "status").output


def test_no_name_or_text_can_add_a_header_or_a_recipient(app, smtp_sink):
    evil = "Budi\r\nBcc: victim@evil.example\r\nSubject: menang undian"
    with app.app_context(), app.test_request_context():
        outbox.enqueue(db.session, "reply", "ani@example.com", email_key("k", "ani@example.com"),
                       f"{evil} replied", "reply.txt", title="T", author=evil,
                       body="teks\r\n.\r\nMAIL FROM:<x@evil.example>\r\nRCPT TO:<victim@evil.example>\r\n",
                       link="https://news.example.org/")
        db.session.commit()
    # And through the form (which folds a name onto one line anyway).
    post(app.test_client(), author=evil, email="penyerang@example.com",
         comment="baris\r\n.\r\nRCPT TO:<victim@evil.example>")
    run(app, "send")
    assert all(r.rcpt_tos in (["ani@example.com"], ["editor@news.example"]) for r in smtp_sink.received)
    assert len(smtp_sink.received) == 2
    for received in smtp_sink.received:
        message = received.message
        assert message["Bcc"] is None
        assert len(message.get_all("Subject")) == 1
        assert "victim@evil.example" not in str(message["To"])
    reply = smtp_sink.to("ani@example.com")[0]
    assert "Bcc: victim@evil.example" in reply.message["Subject"]  # as text, on one line
    assert "MAIL FROM:<x@evil.example>" in reply.text()  # the body arrives whole


def test_the_sender_needs_a_from_address(tmp_path):
    from webapp import create_app

    from helpers import make_config

    with pytest.raises(ValueError, match="MAIL_DEFAULT_SENDER"):
        create_app(make_config(tmp_path, MAIL_SERVER="127.0.0.1"))


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    from webapp import create_app

    for name, value in {
        "WARTA_MAIL_SERVER": "smtp.example.org", "WARTA_MAIL_PORT": "587",
        "WARTA_MAIL_USE_TLS": "true", "WARTA_MAIL_DEFAULT_SENDER": "Warta <w@example.org>",
        "WARTA_MODERATOR_EMAILS": "a@example.org, b@example.org",
        "WARTA_BASE_URL": "https://news.example.org",
        "WARTA_SQLALCHEMY_DATABASE_URI": DATABASE_URL or f"sqlite:///{tmp_path / 'env.sqlite3'}",
    }.items():
        monkeypatch.setenv(name, value)
    app = create_app(instance_path=str(tmp_path))
    config = app.config
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"]) == ("smtp.example.org", 587, True)
    assert config["WARTA_MODERATOR_EMAILS"] == ["a@example.org", "b@example.org"]
    with app.app_context():
        assert outbox.external_url("admin.queue", status="pending") == "https://news.example.org/admin/?status=pending"
        db.engine.dispose()


def test_a_reply_to_a_comment_deleted_meanwhile_is_still_sent(app, smtp_sink):
    """The message was written with the change; the comment going later changes nothing."""
    comment = add_comment(app, status="pending", hold_reason="first-time")
    with app.app_context():
        from webapp.models import Comment

        db.session.delete(db.session.get(Comment, comment))
        db.session.commit()
    run(app, "send")
    assert len(smtp_sink.to("editor@news.example")) == 1


def test_purge_personal_deletes_old_messages_once_done(app, smtp_sink):
    queue(app, 2)
    run(app, "send")
    smtp_sink.stop()
    queue(app, 1, start=2)
    with app.app_context():
        for row in db.session.scalars(select(OutboxMessage)):
            row.created_at = row.created_at - timedelta(days=100)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["comments", "purge-personal", "--older-than", "90d"])
    assert "2 pesan seusia itu dihapus" in result.output
    assert [r.status for r in rows(app)] == [MailStatus.WAITING]  # not sent yet: kept
