"""The discussion as one visitor sees it: threads, counts, the form, their own comments."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, session
from sqlalchemy import select

from .cache import article_version, renders
from .content import Article
from .extensions import db
from .forms import CommentForm, form_timestamp
from .models import (
    APPROVED_ROOTS,
    OWN_WAITING,
    ROOTS_BEFORE,
    Comment,
    Status,
    StoredComment,
    approved_count,
    comments,
)
from .threads import build_threads, present

OWN_COMMENTS_KEPT = 50


# -- what this visitor is allowed to see of their own ---------------------------------


def own_comment_ids() -> set[int]:
    """Ids of the comments this browser posted (kept in the signed session cookie)."""
    return {int(i) for i in session.get("own_comments", []) if isinstance(i, int)}


def remember_own_comment(comment_id: int) -> None:
    kept = [i for i in session.get("own_comments", []) if isinstance(i, int)]
    session["own_comments"] = (kept + [comment_id])[-OWN_COMMENTS_KEPT:]


def remembered_commenter() -> dict[str, str]:
    """Name, email and website this browser asked to keep, if any."""
    saved = session.get("commenter")
    return saved if isinstance(saved, dict) else {}


# -- reading --------------------------------------------------------------------------


def placeholder_roots(slug: str) -> dict[int, datetime]:
    """Top-level comments no longer shown whose threads still have approved replies
    (id -> time), computed once per discussion version."""
    key = ("placeholders", slug, article_version(slug))
    found = renders().get(key)
    if found is None:
        reply, root = comments.alias("reply"), comments.alias("root")
        rows = db.session.execute(
            select(root.c.id, root.c.created_at)
            .join(reply, reply.c.thread_id == root.c.id)
            .where(
                reply.c.article_slug == slug,
                reply.c.status == Status.APPROVED,
                root.c.status != Status.APPROVED,
            )
            .distinct()
        )
        found = {comment_id: created for comment_id, created in rows}
        renders().put(key, found)
    return found


def extra_roots(slug: str, own_ids: set[int]) -> set[int]:
    """Top-level comments a visitor sees besides the approved ones: their own, and the
    placeholders of threads that still have approved replies."""
    return own_ids | placeholder_roots(slug).keys()


def page_of_roots(slug: str, page: int, per_page: int, extra: set[int]) -> tuple[list, bool]:
    """The top-level comments on one page, oldest first, and whether more follow: the
    approved ones, and those among ``extra`` (the visitor's own, placeholders). Each
    kind is read by its own index, never by walking all of an article's comments (an
    article may hold many held ones); they are merged here."""
    wanted = page * per_page + 1  # everything up to the end of this page, and one more
    roots = list(
        db.session.scalars(
            select(Comment)
            .where(
                Comment.article_slug == slug,
                Comment.status == Status.APPROVED,
                Comment.parent_id.is_(None),
            )
            .order_by(Comment.created_at, Comment.id)
            .limit(wanted)
        )
    )
    if extra:
        roots += [
            comment
            for comment in db.session.scalars(select(Comment).where(Comment.id.in_(extra)))
            if comment.article_slug == slug
            and comment.parent_id is None
            and comment.status != Status.APPROVED
        ]
        roots.sort(key=lambda comment: (comment.created_at, comment.id))
    on_page = roots[(page - 1) * per_page : wanted]
    return on_page[:per_page], len(on_page) > per_page


def roots_before(slug: str, root_id: int, own_ids: set[int]) -> int:
    """How many top-level comments this visitor sees before the thread ``root_id``
    (the same choice as ``page_of_roots``, counted in one query)."""
    parameters = {"slug": slug, "root_id": root_id, "extra": list(extra_roots(slug, own_ids))}
    return db.session.connection().execute(ROOTS_BEFORE, parameters).scalar_one()


def roots_before_new(comment: StoredComment, own_ids: set[int]) -> int:
    """``roots_before`` for a thread just started, which comes after every other: the
    approved threads and the placeholders, from figures kept per discussion version,
    when the visitor has no other comment of their own to place (their first, usually);
    the query otherwise."""
    slug = comment.article_slug
    if own_ids - {comment.id}:
        return roots_before(slug, comment.id, own_ids)
    key = ("approved-roots", slug, article_version(slug))
    approved = renders().get(key)
    if approved is None:
        approved = db.session.connection().execute(APPROVED_ROOTS, {"slug": slug}).scalar_one()
        renders().put(key, approved)
    # The version is read after this comment's own commit: an approved one is counted.
    itself = comment.status == Status.APPROVED
    return approved - itself + len(placeholder_roots(slug))


def page_of_threads(slug: str, page: int, own_ids: set[int] | None = None):
    """The threads on one page of comments, and whether more pages follow."""
    if own_ids is None:
        own_ids = own_comment_ids()
    per_page = current_app.config["WARTA_COMMENTS_PER_PAGE"]
    roots, has_more = page_of_roots(slug, page, per_page, extra_roots(slug, own_ids))
    replies = []
    if roots:
        replies = db.session.scalars(
            select(Comment)
            .where(Comment.thread_id.in_([r.id for r in roots]))
            .order_by(Comment.created_at, Comment.id)
        ).all()
    threads = build_threads([*roots, *replies], own_ids, current_app.config["WARTA_THREAD_DEPTH"])
    return threads, has_more


def page_number(raw: str | None) -> int:
    """A page number from the query string, or 404 for anything that is not one."""
    if raw is None:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(404)
    return int(raw)


def new_form(reply_to: Comment | None = None) -> CommentForm:
    """An empty form (refilled from what this browser asked to keep)."""
    form = CommentForm(formdata=None, data=remembered_commenter())
    form.remember.data = bool(remembered_commenter())
    form.parent.data = str(reply_to.id) if reply_to else ""
    return form


def discussion_context(
    article: Article,
    page: int = 1,
    reply_to_id: int | None = None,
    form: CommentForm | None = None,
    notice: str = "",
    own_ids: set[int] | None = None,
    ts: str | None = None,
) -> dict:
    """Everything the discussion part of the article page needs."""
    reply_to = find_parent(article.slug, reply_to_id)
    threads, has_more = page_of_threads(article.slug, page, own_ids)
    if form is None:
        form = new_form(reply_to)
    form.ts.data = ts or form_timestamp()
    return {
        "threads": threads,
        "page": page,
        "has_more": has_more,
        "comment_count": approved_count(article.slug),
        "form": form,
        "reply_to": reply_to and present(reply_to, current_app.config["WARTA_THREAD_DEPTH"]),
        "notice": notice,
    }


def find_parent(slug: str, comment_id: int | None) -> Comment | None:
    """An approved comment of this article that can be replied to, or None."""
    if comment_id is None:
        return None
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_slug != slug or comment.status != Status.APPROVED:
        return None
    return comment


def sees_shared_page(slug: str) -> bool:
    """True when this visitor's view of the article is everyone's: nothing remembered
    in the form and none of their own comments on it waiting for moderation."""
    if remembered_commenter():
        return False
    own_ids = own_comment_ids()
    if not own_ids:
        return True
    return not db.session.scalar(OWN_WAITING, {"ids": list(own_ids), "slug": slug})
