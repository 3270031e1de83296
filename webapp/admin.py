"""Admins: the moderation queue, actions on comments, and the audit log."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, or_, select

from .auth import safe_next
from .discussion import MAX_PAGE, page_number
from .errors import error_page
from .extensions import db, login_manager
from .htmx import announce, is_htmx, render_shape, render_varying
from .models import Comment, ModerationEntry, Status
from .moderation import ACTIONS, actions_for, allowed, apply, mask_email
from .numbers import parse_number
from .pages import personal
from .text import clean_line

bp = Blueprint("admin", __name__, url_prefix="/admin")

QUEUE_PAGE = 100  # two pages hold a 200-comment backlog; "select all" takes a page at once
LOG_PAGE = 100
TABS = [Status.PENDING, Status.APPROVED, Status.SPAM, Status.TRASH]


@bp.before_request
@login_required
def require_login():
    """Every admin route refuses anyone not logged in (Flask-Login answers for us)."""


@bp.errorhandler(CSRFError)
def stale_form(error: CSRFError):
    """A form without its token or with an old one: an expired session logs in again."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return error_page(error, _("This form has expired. Reload the page and try again."))


@bp.context_processor
def admin_context() -> dict:
    return {"current_user": current_user}


@bp.after_request
def never_cache(response):
    """Admin pages are private to the admin who sees them."""
    return personal(response)


# -- the queue -------------------------------------------------------------------------


def queue_filters() -> tuple[str, str, int]:
    status = request.args.get("status", Status.PENDING)
    if status not in TABS:
        abort(404)
    query = clean_line(request.args.get("q", ""))[:200]
    return status, query, page_number(request.args.get("page"))


def matching(status: str, query: str):
    """Comments in one tab whose author or text contains ``query``."""
    statement = select(Comment).where(Comment.status == status)
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(
                Comment.author.ilike(pattern, escape="\\"), Comment.body.ilike(pattern, escape="\\")
            )
        )
    return statement


def tab_counts() -> dict[str, int]:
    rows = db.session.execute(select(Comment.status, func.count()).group_by(Comment.status))
    counts = dict.fromkeys(TABS, 0)
    counts.update({status: count for status, count in rows})
    return counts


def queue_context(status: str, query: str, page: int) -> dict:
    """Everything the queue needs: the rows of one page of one tab, and the counts."""
    rows = db.session.scalars(
        matching(status, query)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .offset((page - 1) * QUEUE_PAGE)
        .limit(QUEUE_PAGE + 1)
    ).all()
    parent_ids = {c.parent_id for c in rows if c.parent_id}
    parents = {}
    if parent_ids:
        found = db.session.execute(
            select(Comment.id, Comment.author).where(Comment.id.in_(parent_ids))
        )
        parents = {comment_id: author for comment_id, author in found}
    articles = current_app.extensions["warta.articles"]
    return {
        "status": status,
        "query": query,
        "page": page,
        "has_more": len(rows) > QUEUE_PAGE,
        "rows": [
            queue_row(c, parents.get(c.parent_id), articles.get(c.article_slug))
            for c in rows[:QUEUE_PAGE]
        ],
        "counts": tab_counts(),
        "tabs": TABS,
        "bulk_actions": actions_for(status),
    }


def hold_reason_label(reason: str) -> str:
    """Why a comment was held or filed as spam, in the admin's words."""
    labels = {
        "first-time": _("first comment from this address"),
        "other-name": _("address known under another name"),
        "unconfirmed": _("address not confirmed by email"),
        "author-deleted": _("deleted by its author"),
        "moderation-all": _("every comment is moderated"),
        "too-fast": _("form sent too fast"),
        "no-timestamp": _("form without its timestamp"),
        "stale-form": _("form shown more than a day before"),
        "links": _("too many links"),
        "honeypot": _("hidden field filled in"),
        "blocklist": _("blocked word"),
    }
    return labels.get(reason, reason)


def queue_row(comment: Comment, parent_author: str | None, article) -> dict:
    """One row of the queue; the email only masked."""
    return {
        "id": comment.id,
        "article_slug": comment.article_slug,
        "article_title": article.title if article else comment.article_slug,
        "parent_id": comment.parent_id,
        "parent_author": parent_author,
        "author": comment.author,
        "masked_email": mask_email(comment.email),
        "url": comment.url,
        "ip": comment.ip,
        "created_at": comment.created_at,
        "hold_reason": hold_reason_label(comment.hold_reason) if comment.hold_reason else "",
        "body": comment.body,
        "actions": actions_for(comment.status),
    }


@bp.get("/")
def queue():
    """The moderation queue: one tab, newest first, with search and paging."""
    status, query, page = queue_filters()
    return render_shape(
        "admin/queue.html", "admin/_queue.html", **queue_context(status, query, page)
    )


# -- actions ---------------------------------------------------------------------------


def back_to_queue():
    return (
        safe_next(request.form.get("next")) if request.form.get("next") else url_for("admin.queue")
    )


def action_done(message: str, status: str, query: str, page: int):
    """Answer an action: htmx gets the refreshed queue and a trigger; a plain post, 303."""
    if not is_htmx():
        return redirect(back_to_queue(), 303)
    response = render_varying(
        "admin/_queue.html", message=message, **queue_context(status, query, page)
    )
    announce(response, "comments-changed")
    return response


def form_filters() -> tuple[str, str, int]:
    """The tab, search and page the admin was looking at when they acted."""
    status = request.form.get("status", Status.PENDING)
    status = status if status in TABS else Status.PENDING
    query = clean_line(request.form.get("q", ""))[:200]
    page = parse_number(request.form.get("page")) or 1
    page = page if page <= MAX_PAGE else 1
    return status, query, page


def action_label(action: str) -> str:
    """The name of an action on its button."""
    return {
        "approve": _("Approve"),
        "unapprove": _("Unapprove"),
        "spam": _("Spam"),
        "trash": _("Trash"),
        "restore": _("Restore"),
        "delete": _("Delete permanently"),
    }[action]


def action_message(action: str, ids: list[int]) -> str:
    """What the status region says after an action."""
    if not ids:
        return _("Nothing to do: none of the selected comments can take that action.")
    return ngettext(
        "%(action)s: %(num)d comment.",
        "%(action)s: %(num)d comments.",
        len(ids),
        action=action_label(action),
    )


@bp.post("/comments/<int(max=2147483647):comment_id>/<action>")
def act(comment_id: int, action: str):
    """Apply one action to one comment."""
    if action not in ACTIONS:
        abort(404)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    if not allowed(action, comment.status):
        abort(409)
    apply(comment, action, current_user.name)
    db.session.commit()
    if not is_htmx():
        return redirect(back_to_queue(), 303)
    # The row deletes itself (hx-swap="delete"); the tabs refresh on the trigger.
    response = render_varying(
        "admin/_action_done.html", message=action_message(action, [comment_id])
    )
    announce(response, "comments-changed")
    return response


@bp.post("/comments/bulk")
def bulk():
    """Apply one action to several comments at once."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(422)
    ids = sorted({i for raw in request.form.getlist("ids") if (i := parse_number(raw))})
    if not ids or len(ids) > 500:
        abort(422)
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids))).all()
    done = [c.id for c in comments if allowed(action, c.status)]
    for comment in comments:
        if comment.id in done:
            apply(comment, action, current_user.name)
    db.session.commit()
    return action_done(action_message(action, done), *form_filters())


# -- the audit log ---------------------------------------------------------------------


def log_entries(page: int, size: int | None = LOG_PAGE):
    statement = select(ModerationEntry).order_by(
        ModerationEntry.created_at.desc(), ModerationEntry.id.desc()
    )
    if size is not None:
        statement = statement.offset((page - 1) * size).limit(size + 1)
    return db.session.scalars(statement).all()


@bp.get("/log")
def log():
    """Who did what to which comment, and when."""
    page = page_number(request.args.get("page"))
    entries = log_entries(page)
    return render_varying(
        "admin/log.html",
        entries=entries[:LOG_PAGE],
        page=page,
        has_more=len(entries) > LOG_PAGE,
    )


@bp.get("/log.csv")
def log_csv():
    """The whole audit log as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["time", "admin", "comment", "action", "from", "to"])
    for entry in log_entries(1, size=None):
        writer.writerow(
            [
                entry.created_at.isoformat(timespec="seconds"),
                csv_safe(entry.admin_name),
                entry.comment_id,
                entry.action,
                entry.from_status,
                entry.to_status,
            ]
        )
    response = current_app.response_class(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=warta-moderation-log.csv"
    return response


def csv_safe(value: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
