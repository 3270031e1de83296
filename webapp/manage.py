"""A commenter's own comment, through the private link they were given when posting
it: its status, and (for a while) edit or delete. The link is the key: the page is
personal, never cached, and never shows the email."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from . import signing, visitor
from .admin import hold_reason_label
from .comments import approved_under_name, has_approved_before, rules
from .errors import LinkProblem
from .extensions import csrf, db
from .forms import EditForm
from .htmx import is_htmx, render_varying
from .models import Comment, Status
from .outbox import address_confirmed
from .pages import personal
from .policy import Submission, after_edit, can_edit, decide
from .threads import present
from .timeutil import utcnow

bp = Blueprint("manage", __name__)
csrf.exempt(bp)  # the token in the URL is the key; the origin check stops other sites

MANAGE = "/comments/<int(max=2147483647):comment_id>/manage/<token>"
AUTHOR_DELETED = "author-deleted"  # the hold reason of a comment its author deleted


def get_own_comment(comment_id: int, token: str) -> Comment:
    """The comment a manage link is for, or a page that says why the link fails."""
    found = signing.read_manage_token(token)
    if found is None or found[0] != comment_id:
        raise LinkProblem(404, _("This link is not valid. Check that it was copied whole."))
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.created_at.isoformat() != found[1]:
        raise LinkProblem(410, _("This comment has been deleted."))
    if comment.hold_reason == AUTHOR_DELETED:
        raise LinkProblem(410, _("This comment has been deleted."))
    return comment


def reply_count(comment: Comment) -> int:
    """Replies that readers see or may soon see (spam and trash aside)."""
    return db.session.scalar(
        select(func.count()).where(
            Comment.parent_id == comment.id, Comment.status.in_([Status.APPROVED, Status.PENDING])
        )
    )


def editable(comment: Comment) -> bool:
    return can_edit(comment.status, utcnow() - comment.created_at, reply_count(comment))


def status_words(comment: Comment) -> str:
    if comment.status == Status.APPROVED:
        return _("Published")
    if comment.status == Status.PENDING:
        return _("Awaiting moderation")
    return _("Removed by a moderator")


def manage_context(comment: Comment, token: str, form: EditForm | None = None, notice: str = ""):
    """What the page shows: the comment as readers see it, never its email."""
    if form is None:
        form = EditForm(formdata=None, data={"comment": comment.body})
    held = comment.status == Status.PENDING and comment.hold_reason
    return {
        "comment": present(comment, current_app.config["WARTA_THREAD_DEPTH"]),
        "article": current_app.extensions["warta.articles"].get(comment.article_slug),
        "status": status_words(comment),
        "reason": hold_reason_label(comment.hold_reason) if held else "",
        "published": comment.status == Status.APPROVED,
        "can_edit": editable(comment),
        "form": form,
        "token": token,
        "notice": notice,
    }


def manage_page(comment: Comment, token: str, status: int = 200, **context):
    """The page, or for htmx the part that its forms replace."""
    template = "_manage.html" if is_htmx() else "manage.html"
    page = render_varying(template, status, **manage_context(comment, token, **context))
    return personal(page)


@bp.get(MANAGE)
def show(comment_id: int, token: str):
    """The comment's status and what its author can still do with it."""
    comment = get_own_comment(comment_id, token)
    return manage_page(comment, token, notice=visitor.take_notice())


def revise(comment: Comment, text: str) -> None:
    """Put the new text in place and run the policy on it again: an edit may send a
    comment back to the queue (or to spam), never publish a held one."""
    approved = has_approved_before(comment.email_hash)
    under_name = approved and approved_under_name(comment.email_hash, comment.author)
    policy = rules()
    decision = decide(policy, Submission(
        body=text, author=comment.author, url=comment.url, email=comment.email, honeypot="",
        fill_seconds=policy.min_fill_seconds,  # an edit has no form timing to judge
        has_approved_before=approved, has_approved_under_name=under_name,
        address_confirmed=address_confirmed(comment.email_hash),
    ))  # fmt: skip
    outcome = after_edit(comment.status, decision, comment.hold_reason)
    comment.body = text
    comment.status, comment.hold_reason = outcome.status, outcome.hold_reason
    comment.edited_at = utcnow()


@bp.post(MANAGE + "/edit")
def edit(comment_id: int, token: str):
    """Change the comment's text, within 10 minutes and before any reply."""
    comment = get_own_comment(comment_id, token)
    if not editable(comment):
        return manage_page(comment, token, 409, notice=_(
            "This comment can no longer be edited: the 10 minutes have passed, or someone replied."
        ))  # fmt: skip
    form = EditForm()
    if not form.validate():
        return manage_page(comment, token, 422, form=form)
    revise(comment, form.comment.data)
    db.session.commit()
    return done(comment, token, _("Your comment has been changed."))


def remove(comment: Comment) -> None:
    """Delete the comment; with replies, leave a placeholder (text and details gone)
    so that the replies still read where they were."""
    if db.session.scalar(select(func.count()).where(Comment.parent_id == comment.id)):
        comment.status, comment.hold_reason = Status.TRASH, AUTHOR_DELETED
        comment.body, comment.url, comment.email = "", "", ""
    else:
        db.session.delete(comment)


@bp.post(MANAGE + "/delete")
def delete(comment_id: int, token: str):
    """Delete the comment for good."""
    comment = get_own_comment(comment_id, token)
    slug = comment.article_slug
    remove(comment)
    db.session.commit()
    message = _("Your comment has been deleted.")
    if is_htmx():
        return personal(render_varying("_manage_deleted.html", message=message, slug=slug))
    visitor.leave_notice(message)
    return redirect(url_for("articles.show", slug=slug, _anchor="comments"), 303)


def done(comment: Comment, token: str, message: str):
    """Answer a change: htmx gets the refreshed part; a plain post, 303 to the page."""
    if is_htmx():
        return manage_page(comment, token, notice=message)
    visitor.leave_notice(message)
    return redirect(url_for("manage.show", comment_id=comment.id, token=token), 303)
