"""Operator commands: ``flask --app wsgi admin|comments|mail|backup ...``.

What they say goes through Flask-Babel, in the UI's language (``WARTA_LOCALE``): the
commands run inside the app context, where the locale selector answers. The ``--help``
texts stay in English, as click reads them before any app exists."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from . import outbox
from .auth import create_admin, find_admin, set_password
from .extensions import db
from .models import Comment, MailStatus, OutboxMessage, comments
from .moderation import mask_email
from .text import spreadsheet_cell
from .timeutil import utcnow

admin_cli = AppGroup("admin", help="Manage the admins who moderate comments.")
comments_cli = AppGroup("comments", help="Export comments, or purge their personal data.")
mail_cli = AppGroup("mail", help="Deliver the outbox's messages and see how delivery goes.")

EXPORT_FIELDS = [
    "id", "article_slug", "parent_id", "author", "email", "url", "body", "status",
    "hold_reason", "ip", "created_at", "updated_at",
]  # fmt: skip


class CommandError(click.ClickException):
    """A command's failure, shown in the UI's language. Click's own "Error:" prefix is
    English, and ``show`` (which click documents as what prints an exception) runs after
    the app context has closed, so the whole line is translated when raised."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.line = _("Error: %(message)s", message=message)

    def show(self, file=None) -> None:
        click.echo(self.line, file=file, err=True)


def read_new_password() -> str:
    """Ask twice on a terminal; read two lines when the password is piped in."""
    if sys.stdin.isatty():
        return click.prompt(
            _("Password"), hide_input=True, confirmation_prompt=_("Repeat for confirmation")
        )
    first, second = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")
    if first != second:
        raise CommandError(_("The two passwords differ."))
    return first


def checked_password(password: str) -> str:
    if len(password) < 8:
        raise CommandError(_("A password has at least 8 characters."))
    return password


@admin_cli.command("create")
@click.argument("name")
def admin_create(name: str) -> None:
    """Create an admin called NAME; asks for the password (or reads it from stdin)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise CommandError(_("A name has 1 to 64 characters."))
    if find_admin(name) is not None:
        raise CommandError(_("An admin called “%(name)s” exists already.", name=name))
    create_admin(name, checked_password(read_new_password()))
    click.echo(_("Admin “%(name)s” created.", name=name))


def existing_admin(name: str):
    admin = find_admin(name)
    if admin is None:
        raise CommandError(_("No admin called “%(name)s”.", name=name))
    return admin


@admin_cli.command("passwd")
@click.argument("name")
def admin_passwd(name: str) -> None:
    """Set a new password for admin NAME (their open sessions end)."""
    admin = existing_admin(name)
    set_password(admin, checked_password(read_new_password()))
    click.echo(_("Password of “%(name)s” changed.", name=admin.name))


@admin_cli.command("delete")
@click.argument("name")
def admin_delete(name: str) -> None:
    """Delete admin NAME."""
    db.session.delete(existing_admin(name))
    db.session.commit()
    click.echo(_("Admin “%(name)s” deleted.", name=name))


def export_row(comment: Comment) -> dict:
    row = {field: getattr(comment, field) for field in EXPORT_FIELDS}
    row["created_at"] = comment.created_at.isoformat()
    row["updated_at"] = comment.updated_at.isoformat()
    return row


@comments_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
def comments_export(fmt: str, output) -> None:
    """Write every comment, full email included, as JSON or CSV."""
    everything = db.session.scalars(select(Comment).order_by(Comment.id))
    rows = (export_row(c) for c in everything)
    if fmt == "json":
        json.dump(list(rows), output, ensure_ascii=False, indent=2)
        output.write("\n")
        return
    writer = csv.DictWriter(output, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    writer.writerows({key: spreadsheet_cell(value) for key, value in row.items()} for row in rows)


AGE_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> timedelta:
    """``90d``, ``12w`` or ``36h`` as a duration."""
    number, unit = text[:-1], text[-1:].lower()
    if not number.isdigit() or unit not in AGE_UNITS or int(number) == 0:
        raise CommandError(_("--older-than: use a number and a unit: 90d, 12w or 36h"))
    return timedelta(seconds=int(number) * AGE_UNITS[unit])


@comments_cli.command("purge-personal")
@click.option("--older-than", "older_than", required=True, help="e.g. 90d, 12w, 36h")
def purge_personal(older_than: str) -> None:
    """Clear the email addresses and IP addresses of comments older than AGE, and
    delete the outbox's messages of that age that are done with (sent, failed, skipped).

    A keyed hash of each address stays, so the moderation policy still recognises a
    returning commenter; nothing else can be read from it."""
    age = parse_age(older_than)  # here, in the app context, to answer in the UI's language
    cutoff = utcnow() - age
    c = comments.c
    result = db.session.execute(
        update(comments)
        .where(c.created_at < cutoff, (c.email != "") | (c.ip != ""))
        .values(email="", ip="")
    )
    done = [MailStatus.SENT, MailStatus.FAILED, MailStatus.SKIPPED]
    messages = OutboxMessage.__table__
    mail = db.session.execute(
        delete(messages).where(messages.c.created_at < cutoff, messages.c.status.in_(done))
    )
    db.session.commit()
    click.echo(
        ngettext(
            "Cleared the email and IP address of %(num)d comment older than %(cutoff)s UTC.",
            "Cleared the email and IP addresses of %(num)d comments older than %(cutoff)s UTC.",
            result.rowcount,
            cutoff=f"{cutoff:%Y-%m-%d %H:%M}",
        )
    )
    click.echo(_("Deleted %(num)d messages of that age from the outbox.", num=mail.rowcount))


def delivery_line(report: outbox.Delivery) -> str:
    line = f"sent {report.sent}, to retry {report.retrying}, failed {report.failed}"
    return line + (" (the mail server could not be reached)" if report.server_down else "")


@mail_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep delivering new messages until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.option("--if-configured", is_flag=True, help="Exit quietly when no MAIL_SERVER is set.")
def mail_send(watch: bool, interval: float, if_configured: bool) -> None:
    """Deliver the waiting messages (retries wait longer after each failure).

    Several senders may run at once on PostgreSQL; on SQLite run one."""
    if not outbox.mail_configured():
        if if_configured:
            return
        raise click.ClickException("No MAIL_SERVER is set: there is nothing to send through.")
    while True:
        try:
            report = outbox.deliver(db.session, current_app.config)
        except SQLAlchemyError as error:  # the database is away: try again next round
            db.session.rollback()
            if not watch:
                raise
            current_app.logger.warning("mail send: %s", error)
        else:
            if not watch or report.sent or report.retrying or report.failed:
                click.echo(delivery_line(report))
        if not watch:
            return
        time.sleep(interval)


@mail_cli.command("status")
def mail_status() -> None:
    """Count the outbox's messages by status and list the ones that need a look."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    click.echo(", ".join(f"{status}: {counts.get(status, 0)}" for status in MailStatus))
    waiting = db.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == MailStatus.WAITING
        )
    )
    if waiting is not None:
        click.echo(f"next attempt due {waiting:%Y-%m-%d %H:%M:%S} UTC")
    troubled = db.session.scalars(
        select(OutboxMessage)
        .where(
            (OutboxMessage.status.in_([MailStatus.FAILED, MailStatus.SENDING]))
            | ((OutboxMessage.status == MailStatus.WAITING) & (OutboxMessage.attempts > 0))
        )
        .order_by(OutboxMessage.id)
    )
    for row in troubled:
        why = row.last_error or "claimed by a sender, not known to be sent"
        click.echo(
            f"#{row.id} {row.status} {row.kind} to {mask_email(row.to_address)}, "
            f"{row.attempts} attempts: {why}"
        )


@mail_cli.command("retry")
@click.argument("ids", nargs=-1, type=int, required=True)
def mail_retry(ids: tuple[int, ...]) -> None:
    """Send failed messages again, or ones left "sending" by a sender that died
    (check first that they did not arrive)."""
    rows = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status.in_([MailStatus.FAILED, MailStatus.SENDING]),
        )
    ).all()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = MailStatus.WAITING, 0, utcnow()
    db.session.commit()
    click.echo(f"{len(rows)} messages will be sent again.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH while the app keeps running (online backup)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise CommandError(_("backup copies SQLite databases; use pg_dump for PostgreSQL."))
    if path.exists():
        raise CommandError(_("%(path)s exists already.", path=str(path)))
    source = sqlite3.connect(url.database, timeout=30)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)  # a consistent snapshot, even with writers at work
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if result != "ok":
        raise CommandError(_("The copy failed its integrity check: %(result)s", result=result))
    with closing(sqlite3.connect(path)) as copy:
        count = copy.execute("SELECT count(*) FROM comments").fetchone()[0]
    click.echo(
        ngettext(
            "Backed up %(num)d comment to %(path)s (integrity check: ok).",
            "Backed up %(num)d comments to %(path)s (integrity check: ok).",
            count,
            path=str(path),
        )
    )
    current_app.logger.info("backup written to %s", path)


def init_app(app: Flask) -> None:
    app.cli.add_command(admin_cli)
    app.cli.add_command(comments_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(backup)
