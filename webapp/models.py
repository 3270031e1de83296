"""The stored things: comments, admins, the moderation log, mail subscribers and the
outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    exists,
    false,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .timeutil import UTCDateTime, utcnow


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    TRASH = "trash"


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # The article page: the approved top-level threads of one article, oldest first.
        Index("ix_comments_article_page", "article_slug", "status", "parent_id", "created_at"),
        # The replies of the threads on one page.
        Index("ix_comments_thread", "thread_id", "created_at"),
        # Threads kept for their approved replies (placeholders).
        Index("ix_comments_thread_status", "thread_id", "status"),
        # Duplicate detection: the latest comments on one article from one network.
        Index("ix_comments_article_ip", "article_slug", "ip", "id"),
        # The moderation policy: has this address an approved comment?
        Index("ix_comments_email_hash_status", "email_hash", "status"),
        # The moderation queue: one status, newest first.
        Index("ix_comments_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_slug: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(Integer)  # the top-level ancestor; None on it
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))  # emptied by `comments purge-personal`
    # A keyed hash of the address, kept after the address is purged: the moderation
    # policy and duplicate detection recognise the address by it, and nothing else can.
    email_hash: Mapped[str] = mapped_column(String(64), default="")
    url: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=Status.PENDING)
    hold_reason: Mapped[str] = mapped_column(String(40), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    # The commenter asked to be mailed replies (sent once the address is confirmed).
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by its author
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def root_id(self) -> int:
        """The id of the thread this comment belongs to."""
        return self.thread_id or self.id

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.article_slug} {self.status}>"


# Counting reads about the comments table, built once with bound parameters and run
# through the session: they select figures, not objects.
comments = Comment.__table__
_c = comments.c

APPROVED_COUNT = select(func.count()).where(
    _c.article_slug == bindparam("slug"), _c.status == Status.APPROVED.value
)
# A visitor's own comments and placeholders are few, but an article may hold many held
# comments: statements about "these ids" constrain on the ids alone and apply the other
# conditions as a FILTER, so that no planner walks all of an article's comments instead.

# How many of these comments of an article wait for moderation.
OWN_WAITING = select(
    func.count().filter(_c.article_slug == bindparam("slug"), _c.status != Status.APPROVED.value)
).where(_c.id.in_(bindparam("ids", expanding=True)))
# Has this address an approved comment anywhere? (The moderation policy's question.)
APPROVED_BEFORE = select(
    exists().where(_c.email_hash == bindparam("email_hash"), _c.status == Status.APPROVED.value)
)


def approved_count(slug: str) -> int:
    """The number of approved comments on an article."""
    return db.session.execute(APPROVED_COUNT, {"slug": slug}).scalar_one()


class Admin(db.Model):
    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login's user interface. The id it keeps in the session cookie is the token
    # of this login (see AdminSession), set when the admin is loaded or logs in.
    is_authenticated = True
    is_active = True
    is_anonymous = False
    login_token = ""

    def get_id(self) -> str:
        return self.login_token

    def __repr__(self) -> str:
        return f"<Admin {self.name}>"


class AdminSession(db.Model):
    """One login of an admin: the server ends it at logout, after the idle and the
    absolute timeouts, and everywhere at once when asked or when the password changes.
    Only a hash of the token is stored; the token itself is in the session cookie."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    admin: Mapped[Admin] = relationship(lazy="joined")


class ModerationEntry(db.Model):
    """One line of the audit log; never updated or deleted by the app."""

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: the log outlives a comment deleted for good.
    comment_id: Mapped[int] = mapped_column(Integer, index=True)
    admin_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscriber(db.Model):
    """An address that asked for mail: known by its keyed hash, as comments know it.
    The address itself is kept here while mail may be sent to it, and emptied on
    unsubscribing; the row stays, so that the address is never mailed again unasked."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    # A fresh value for each confirmation message; emptied when one is used, so that
    # each confirmation link works once.
    confirm_nonce: Mapped[str] = mapped_column(String(32), default="")
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def receives_mail(self) -> bool:
        """Confirmed, and not unsubscribed since."""
        return self.confirmed_at is not None and self.unsubscribed_at is None

    def __repr__(self) -> str:
        return f"<Subscriber {self.id}>"


class MailStatus(StrEnum):
    WAITING = "waiting"  # to be sent at next_attempt_at
    SENDING = "sending"  # claimed by a sender; if it stays so, the sender died mid-send
    SENT = "sent"
    FAILED = "failed"  # given up: a permanent refusal, or too many attempts
    SKIPPED = "skipped"  # the address unsubscribed before it was sent


class OutboxMessage(db.Model):
    """One message, written in the transaction that caused it and sent later by
    ``flask mail send``."""

    __tablename__ = "outbox"
    __table_args__ = (
        # What a sender picks next: waiting messages whose time has come, oldest first.
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # confirm, reply, received, moderator
    to_address: Mapped[str] = mapped_column(String(254))
    to_hash: Mapped[str] = mapped_column(String(64))  # to check for an unsubscription
    # The comment it is about (no foreign key: the message outlives a deleted comment).
    comment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    message_id: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)  # the whole message, as sent
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.WAITING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every update checks and moves it on: of two senders claiming one message, the
    # second one's update finds no row and fails (SQLAlchemy's optimistic versioning).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
