"""Admins: the moderation queue, actions on comments, and the audit log."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, or_, select

from .auth import safe_next
from .discussion import MAX_PAGE, page_number
from .extensions import db, login_manager
from .htmx import announce, is_htmx, render_shape, render_varying
from .models import Comment, ModerationEntry, Status
from .moderation import ACTIONS, actions_for, allowed, apply, mask_email, undo, undoable
from .numbers import parse_number
from .pages import personal
from .text import clean_line, spreadsheet_cell

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
    return refused(400, _("This form has expired. Reload the page and try again."))


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
    notice = session.pop("admin_notice", None) or {}
    return render_shape(
        "admin/queue.html",
        "admin/_queue.html",
        **queue_context(status, query, page),
        message=notice.get("message", ""),
        undo_entries=notice.get("undo", []),
    )


# -- actions ---------------------------------------------------------------------------


def back_to_queue():
    return (
        safe_next(request.form.get("next")) if request.form.get("next") else url_for("admin.queue")
    )


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
        "undo": _("Undo"),
    }[action]


def status_label(status: str) -> str:
    """A status in the admin's words (``deleted``: the log's word for a deleted comment)."""
    return {
        Status.PENDING: _("Pending"),
        Status.APPROVED: _("Approved"),
        Status.SPAM: _("Spam"),
        Status.TRASH: _("Trash"),
        "deleted": _("Deleted permanently"),
    }.get(status, status)


def action_message(action: str, count: int) -> str:
    """What happened, for the status region: "2 komentar disetujui"."""
    n = count
    if not n:
        return _("Nothing was done: none of the selected comments can take that action.")
    if action == "approve":
        return ngettext("%(num)d comment approved.", "%(num)d comments approved.", n)
    if action == "unapprove":
        return ngettext(
            "%(num)d comment moved back to pending.", "%(num)d comments moved back to pending.", n
        )
    if action == "spam":
        return ngettext("%(num)d comment marked as spam.", "%(num)d comments marked as spam.", n)
    if action == "trash":
        return ngettext(
            "%(num)d comment moved to the trash.", "%(num)d comments moved to the trash.", n
        )
    if action == "restore":
        return ngettext(
            "%(num)d comment restored to pending.", "%(num)d comments restored to pending.", n
        )
    if action == "delete":
        return ngettext(
            "%(num)d comment deleted permanently.", "%(num)d comments deleted permanently.", n
        )
    return ngettext(
        "Undone: %(num)d comment is back where it was.",
        "Undone: %(num)d comments are back where they were.",
        n,
    )


def action_done(action: str, entries: list[ModerationEntry], partial: bool = False):
    """Answer an action with what happened and, where it can be undone, an undo. htmx gets
    the notice alone (``partial``: the row removes itself) or the refreshed queue, with
    a trigger; a plain post, 303 back to the queue, which shows the notice once."""
    message = action_message(action, len(entries))
    undo_entries = [e.id for e in entries if action not in ("delete", "undo")]
    if not is_htmx():
        session["admin_notice"] = {"message": message, "undo": undo_entries}
        return redirect(back_to_queue(), 303)
    if partial:
        response = render_varying(
            "admin/_action_done.html",
            message=message,
            undo_entries=undo_entries,
            **queue_filters_context(),
        )
    else:
        response = render_varying(
            "admin/_queue.html",
            message=message,
            undo_entries=undo_entries,
            **queue_context(*form_filters()),
        )
    announce(response, "comments-changed")
    return response


def queue_filters_context() -> dict:
    status, query, page = form_filters()
    return {"status": status, "query": query, "page": page}


def refused(code: int, message: str, beside: str = "queue-status"):
    """An admin form that cannot be applied: its notice beside the form (``beside``: the
    id of the region), the queue left in place. htmx is told where to put it
    (HX-Retarget, HX-Reswap), since a 4xx is swapped into the form's own target
    otherwise; a plain post gets the queue page with the notice."""
    if is_htmx():
        response = render_varying("admin/_notice.html", code, message=message)
        response.headers["HX-Retarget"] = f"#{beside}"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    notice = {"bulk_notice" if beside == "bulk-notice" else "message": message}
    return render_varying("admin/queue.html", code, **queue_context(*form_filters()), **notice)


@bp.post("/comments/<int(max=2147483647):comment_id>/<action>")
def act(comment_id: int, action: str):
    """Apply one action to one comment."""
    if action not in ACTIONS:
        abort(404)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return refused(404, _("That comment no longer exists. Reload the queue."))
    if not allowed(action, comment.status):
        return refused(409, _("That comment has changed in the meantime. Reload the queue."))
    entry = apply(comment, action, current_user.name)
    db.session.commit()
    # With htmx the row deletes itself (hx-swap="delete"); the tabs refresh on the trigger.
    return action_done(action, [entry], partial=True)


@bp.post("/comments/bulk")
def bulk():
    """Apply one action to several comments at once."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        return refused(422, _("Choose what to do with the selected comments."), "bulk-notice")
    ids = sorted({i for raw in request.form.getlist("ids") if (i := parse_number(raw))})
    if not ids:
        return refused(422, _("Select at least one comment first."), "bulk-notice")
    if len(ids) > 500:
        return refused(422, _("Select at most 500 comments at once."), "bulk-notice")
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids))).all()
    entries = [
        apply(comment, action, current_user.name)
        for comment in comments
        if allowed(action, comment.status)
    ]
    db.session.commit()
    return action_done(action, entries)


@bp.post("/comments/undo")
def undo_last():
    """Undo the actions of the notice's undo button, on every comment still as they left it."""
    wanted = {i for raw in request.form.getlist("entries") if (i := parse_number(raw))}
    if not wanted or len(wanted) > 500:
        return refused(422, _("There is nothing to undo."))
    logged = db.session.scalars(select(ModerationEntry).where(ModerationEntry.id.in_(wanted)))
    entries = list(logged)
    found = {
        c.id: c
        for c in db.session.scalars(
            select(Comment).where(Comment.id.in_([e.comment_id for e in entries]))
        )
    }
    done = [
        undo(entry, found[entry.comment_id], current_user.name)
        for entry in entries
        if undoable(entry, found.get(entry.comment_id))
    ]
    if not done:
        return refused(409, _("Those comments have changed since: there is nothing to undo."))
    db.session.commit()
    return action_done("undo", done)


# -- the audit log ---------------------------------------------------------------------


def log_entries(page: int, size: int | None = LOG_PAGE):
    statement = select(ModerationEntry).order_by(
        ModerationEntry.created_at.desc(), ModerationEntry.id.desc()
    )
    if size is not None:
        statement = statement.offset((page - 1) * size).limit(size + 1)
    return db.session.scalars(statement).all()


def excerpt(text: str, limit: int = 80) -> str:
    """The start of a comment, on one line."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"


def queue_url(comment: Comment) -> str:
    """Where a comment is in the queue: its tab, the page of that tab, its row."""
    newer = db.session.scalar(
        select(func.count()).where(
            Comment.status == comment.status,
            or_(
                Comment.created_at > comment.created_at,
                (Comment.created_at == comment.created_at) & (Comment.id > comment.id),
            ),
        )
    )
    page = newer // QUEUE_PAGE + 1
    return url_for(
        "admin.queue",
        status=comment.status,
        page=page if page > 1 else None,
        _anchor=f"row-{comment.id}",
    )


def log_row(entry: ModerationEntry, comment: Comment | None) -> dict:
    """One line of the log in the admin's words, with the comment it is about."""
    return {
        "created_at": entry.created_at,
        "admin_name": entry.admin_name,
        "comment_id": entry.comment_id,
        "author": comment.author if comment else "",
        "excerpt": excerpt(comment.body) if comment else "",
        "queue_url": queue_url(comment) if comment else "",
        "action": action_label(entry.action)
        if entry.action in (*ACTIONS, "undo")
        else entry.action,
        "from_status": status_label(entry.from_status),
        "to_status": status_label(entry.to_status),
    }


@bp.get("/log")
def log():
    """Who did what to which comment, and when."""
    page = page_number(request.args.get("page"))
    entries = log_entries(page)
    shown = entries[:LOG_PAGE]
    ids = {e.comment_id for e in shown}
    found = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))}
    return render_varying(
        "admin/log.html",
        entries=[log_row(e, found.get(e.comment_id)) for e in shown],
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
        row = [
            entry.created_at.isoformat(timespec="seconds"),
            entry.admin_name,
            entry.comment_id,
            entry.action,
            entry.from_status,
            entry.to_status,
        ]
        writer.writerow([spreadsheet_cell(value) for value in row])
    response = current_app.response_class(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=warta-moderation-log.csv"
    return response
