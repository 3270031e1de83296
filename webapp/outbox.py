"""Mail. Every message is first a row of the outbox, written in the transaction that
caused it; ``flask mail send`` delivers the rows later, so that posting never waits on
SMTP and a mail server that is down loses nothing.

What a commit causes to be mailed is decided by SQLAlchemy session hooks, as
``cache`` decides what a commit changes for readers, so that every write through the
session is seen, whichever view or command made it:

- a new comment whose author asked for mail (``notify``): a confirmation message to an
  address not confirmed yet, or a note with the comment's manage link to a confirmed one;
- a reply that becomes approved (on arrival or by a moderator): one notification to the
  author of the comment it answers, when they asked for it and their address is
  confirmed, and it is not their own reply;
- a comment held for moderation: an alert to each of ``WARTA_MODERATOR_EMAILS``.

Delivery claims one message at a time (``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so that senders running at once never wait for nor take each other's
messages) and commits the claim before talking to the SMTP server: a message is sent
at most once. A sender killed mid-send leaves its message ``sending``, shown by
``flask mail status`` for the operator to check and ``mail retry``."""

from __future__ import annotations

import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import event, exists, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import signing
from .admin import hold_reason_label
from .discussion import page_of
from .extensions import db
from .models import Comment, MailStatus, OutboxMessage, Status, Subscriber
from .moderation import mask_email
from .timeutil import utcnow

# Messages are written as SMTP wants them (CRLF), with headers folded only at 998
# characters: a long List-Unsubscribe link stays one <URL>, never an encoded word.
# (The body is encoded when set, at quoted-printable's 76.)
WRITTEN = policy.SMTP.clone(max_line_length=998)
CONFIRMATION_RESENT_AFTER = timedelta(days=1)  # at most one confirmation a day per address
LONGEST_RETRY = timedelta(hours=6)


def mail_configured() -> bool:
    """Is there a mail server to send through? Without one nothing is sent or offered."""
    return bool(current_app.config.get("MAIL_SERVER"))


# -- links -----------------------------------------------------------------------------


def external_url(endpoint: str, anchor: str = "", **values) -> str:
    """A full link for a message: under ``WARTA_BASE_URL`` when set, else under the
    address of the request that caused the message."""
    base = current_app.config.get("WARTA_BASE_URL")
    if base:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
        )
        url = adapter.build(endpoint, values, force_external=True)
    else:
        url = url_for(endpoint, _external=True, **values)
    return f"{url}#{anchor}" if anchor else url


def manage_url(comment: Comment, external: bool = False) -> str:
    """The private link with which a commenter manages their comment."""
    values = {
        "comment_id": comment.id,
        "token": signing.manage_token(comment.id, comment.created_at),
    }
    return external_url("manage.show", **values) if external else url_for("manage.show", **values)


def comment_link(comment: Comment) -> str:
    """Where anyone reads an approved comment: its page of threads, at its anchor."""
    anchor = f"comment-{comment.id}"
    page = page_of(comment)
    if page == 1:
        return external_url("articles.show", anchor, slug=comment.article_slug)
    return external_url("comments.index", anchor, slug=comment.article_slug, page=page)


# -- messages --------------------------------------------------------------------------


def header_text(value: str) -> str:
    """Text for a header on one line, whatever it held: no CR or LF can start a header."""
    return " ".join(value.split())


def sender_address() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def build_message(to: str, subject: str, body: str, unsubscribe: str) -> EmailMessage:
    """A message with one-click unsubscription (RFC 8058) and nothing that invites a
    reply from an autoresponder."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = header_text(current_app.config["MAIL_DEFAULT_SENDER"])
    message["To"] = header_text(to)
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(utcnow())
    domain = sender_address().rpartition("@")[2] or "warta.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body, cte="quoted-printable")
    return message


def enqueue(
    session: Session,
    kind: str,
    to: str,
    to_hash: str,
    subject: str,
    template: str,
    comment_id: int | None = None,
    **context,
) -> OutboxMessage:
    """Write one message into the outbox, in the session's transaction."""
    unsubscribe = external_url("mail.unsubscribe", token=signing.unsubscribe_token(to_hash))
    body = render_template(f"mail/{template}", unsubscribe_url=unsubscribe, **context)
    message = build_message(to, subject, body, unsubscribe)
    row = OutboxMessage(
        kind=kind,
        to_address=to,
        to_hash=to_hash,
        comment_id=comment_id,
        message_id=message["Message-ID"],
        message=message.as_string(policy=WRITTEN),
    )
    session.add(row)
    return row


def subscriber_of(session: Session, email_hash: str) -> Subscriber | None:
    return session.scalars(select(Subscriber).where(Subscriber.email_hash == email_hash)).first()


def address_confirmed(email_hash: str) -> bool:
    """Has this address confirmed that it receives our mail (and not unsubscribed)?"""
    subscriber = subscriber_of(db.session, email_hash)
    return subscriber is not None and subscriber.receives_mail


def unsubscribed(session: Session, email_hash: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Subscriber.email_hash == email_hash, Subscriber.unsubscribed_at.is_not(None)
                )
            )
        )
    )


def article_title(slug: str) -> str:
    article = current_app.extensions["warta.articles"].get(slug)
    return article.title if article else slug


# -- what a commit mails ----------------------------------------------------------------


def comment_arrived(session: Session, comment: Comment) -> None:
    """The author asked for mail: confirm the address first, or send the manage link.
    Spam asks for nothing: a bot must not make Warta mail whatever address it typed."""
    if not comment.notify or not comment.email or comment.status == Status.SPAM:
        return
    subscriber = subscriber_of(session, comment.email_hash)
    if subscriber is None:
        subscriber = Subscriber(email_hash=comment.email_hash, email=comment.email)
        session.add(subscriber)
    if subscriber.unsubscribed_at is not None:
        return  # unsubscribing stops all mail; a form anyone can fill does not undo it
    context = {
        "title": article_title(comment.article_slug),
        "manage_url": manage_url(comment, True),
    }
    if subscriber.confirmed_at is not None:
        subject = _("Your comment on “%(title)s”", title=context["title"])
        enqueue(session, "received", subscriber.email, comment.email_hash, subject,
                "received.txt", comment.id, **context)  # fmt: skip
        return
    last = subscriber.confirmation_sent_at
    if last is not None and utcnow() - last < CONFIRMATION_RESENT_AFTER:
        return
    subscriber.email = comment.email
    subscriber.confirm_nonce = secrets.token_hex(16)
    subscriber.confirmation_sent_at = utcnow()
    token = signing.confirm_token(comment.email_hash, subscriber.confirm_nonce)
    context["confirm_url"] = external_url("mail.confirm", token=token)
    subject = _("Confirm your email address for Warta")
    enqueue(session, "confirm", comment.email, comment.email_hash, subject,
            "confirm.txt", comment.id, **context)  # fmt: skip


def reply_approved(session: Session, reply: Comment) -> None:
    """Tell the author of the answered comment, once, if they asked and confirmed."""
    parent = session.get(Comment, reply.parent_id) if reply.parent_id else None
    if parent is None or not parent.notify or parent.email_hash == reply.email_hash:
        return
    subscriber = subscriber_of(session, parent.email_hash)
    if subscriber is None or not subscriber.receives_mail:
        return
    already = select(
        exists().where(OutboxMessage.kind == "reply", OutboxMessage.comment_id == reply.id)
    )
    if session.scalar(already):
        return
    title = article_title(reply.article_slug)
    enqueue(session, "reply", subscriber.email, parent.email_hash,
            _("%(name)s replied to your comment on “%(title)s”", name=reply.author, title=title),
            "reply.txt", reply.id, title=title, author=reply.author, body=reply.body,
            link=comment_link(reply))  # fmt: skip


def alert_moderators(session: Session, comment: Comment, why: str) -> None:
    """Alert every moderator that ``comment`` waits for them, and why (in words).
    Held comments call it; reports will too."""
    title = article_title(comment.article_slug)
    for address in current_app.config["WARTA_MODERATOR_EMAILS"]:
        address_hash = signing.email_key(current_app.config["SECRET_KEY"], address)
        if unsubscribed(session, address_hash):
            continue
        enqueue(session, "moderator", address, address_hash,
                _("A comment awaits moderation: %(title)s", title=title), "moderator.txt",
                comment.id, title=title, why=why, author=comment.author,
                masked_email=mask_email(comment.email), body=comment.body,
                queue_url=external_url("admin.queue", status=Status.PENDING.value))  # fmt: skip


def comment_held(session: Session, comment: Comment) -> None:
    alert_moderators(session, comment, hold_reason_label(comment.hold_reason))


def mail_events(comment: Comment) -> list:
    """What this change of a comment mails, read before the flush forgets its history."""
    state = inspect(comment)
    new = state.pending or state.transient
    status = state.attrs.status.history
    was = None if new else (status.deleted[0] if status.deleted else comment.status)
    events = []
    if new:
        events.append(comment_arrived)
    if comment.status == Status.APPROVED and was != Status.APPROVED:
        events.append(reply_approved)
    held_now = new or state.attrs.hold_reason.history.has_changes()
    if comment.status == Status.PENDING and comment.hold_reason and held_now:
        events.append(comment_held)
    return events


def _collect(session: Session, flush_context, instances) -> None:
    if not has_app_context() or not mail_configured():
        return
    found = session.info.setdefault("warta_mail_events", [])
    for item in (*session.new, *session.dirty):
        if isinstance(item, Comment):
            found += [(handler, item) for handler in mail_events(item)]


def _write(session: Session, flush_context) -> None:
    """After the flush (new comments have ids): write the messages. The commit flushes
    them in the same transaction."""
    found = session.info.pop("warta_mail_events", [])
    with session.no_autoflush:
        for handler, comment in found:
            handler(session, comment)


def _forget(session: Session) -> None:
    session.info.pop("warta_mail_events", None)


event.listen(Session, "before_flush", _collect)
event.listen(Session, "after_flush_postexec", _write)
event.listen(Session, "after_rollback", _forget)


# -- delivery --------------------------------------------------------------------------


class ConnectFailed(Exception):
    """The SMTP server could not be reached or would not let us in."""


class Mailer:
    """One SMTP connection, opened when first needed and again after a failure."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30)
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectFailed(f"{type(error).__name__}: {error}") from error
        return smtp

    def send(self, sender: str, to: str, message: str) -> None:
        if self.smtp is None:
            self.smtp = self.connect()
        try:
            self.smtp.sendmail(sender, [to], message.encode())
        except smtplib.SMTPRecipientsRefused:
            raise  # the connection is still good
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def is_permanent(error: Exception) -> bool:
    """A 5xx answer: sending the same message again will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def retry_delay(attempts: int, first: float) -> timedelta:
    """How long to wait after ``attempts`` failed attempts: doubling, at most 6 hours."""
    return min(timedelta(seconds=first * 2 ** (attempts - 1)), LONGEST_RETRY)


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    server_down: bool = False


def claim_next(session: Session, due_by) -> OutboxMessage | None:
    """The next message due, marked ``sending`` and committed, so no other sender
    takes it; None when none is due."""
    while True:
        row = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == MailStatus.WAITING, OutboxMessage.next_attempt_at <= due_by
            )
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            session.commit()
            return None
        if unsubscribed(session, row.to_hash):
            row.status = MailStatus.SKIPPED
        else:
            row.status = MailStatus.SENDING
            row.claimed_at = utcnow()
            row.attempts += 1
        try:
            session.commit()
        except StaleDataError:  # another sender claimed it first (SQLite)
            session.rollback()
            continue
        if row.status == MailStatus.SENDING:
            return row


def deliver(session: Session, config) -> Delivery:
    """Send every message that is due; stop early when the server cannot be reached."""
    report = Delivery()
    started = utcnow()  # a message retried during this run waits for the next one
    mailer = Mailer(config)
    sender = parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
    try:
        while (row := claim_next(session, started)) is not None:
            try:
                mailer.send(sender, row.to_address, row.message)
            except (ConnectFailed, OSError, smtplib.SMTPException) as error:
                failed_for_good = record_failure(row, error, config)
                session.commit()
                report.failed += failed_for_good
                report.retrying += not failed_for_good
                if isinstance(error, ConnectFailed | smtplib.SMTPServerDisconnected):
                    report.server_down = True
                    break
                continue
            row.status = MailStatus.SENT
            row.sent_at = utcnow()
            row.last_error = ""
            session.commit()
            report.sent += 1
    finally:
        mailer.close()
    return report


def record_failure(row: OutboxMessage, error: Exception, config) -> bool:
    """Note a failed attempt; True when the message is given up."""
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if is_permanent(error) or row.attempts >= int(config["WARTA_MAIL_MAX_ATTEMPTS"]):
        row.status = MailStatus.FAILED
        return True
    row.status = MailStatus.WAITING
    row.next_attempt_at = utcnow() + retry_delay(row.attempts, config["WARTA_MAIL_RETRY_SECONDS"])
    return False


def init_app(app: Flask) -> None:
    if app.config.get("MAIL_SERVER") and not app.config.get("MAIL_DEFAULT_SENDER"):
        raise ValueError("MAIL_SERVER is set: set MAIL_DEFAULT_SENDER too (the From address)")
    app.jinja_env.globals["mail_configured"] = mail_configured
