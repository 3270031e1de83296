"""The discussion under an article, read from the database: threads, counts, replies.
Functions here take what they need to know of the visitor (their own comment ids) as
values; the session is ``visitor``'s business."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app
from sqlalchemy import select

from .cache import article_version, renders
from .extensions import db
from .models import OWN_WAITING, ROOTS_BEFORE, Comment, Status, approved_count, comments
from .numbers import parse_number
from .threads import CommentView, build_threads, present

MAX_PAGE = 100_000


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
    return db.session.execute(ROOTS_BEFORE, parameters).scalar_one()


def page_of_threads(slug: str, page: int, own_ids: set[int]) -> tuple[list[CommentView], bool]:
    """The threads on one page of comments as this visitor sees them, and whether more
    pages follow."""
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


def page_of(comment: Comment, own_ids: set[int]) -> int:
    """The page of threads on which this visitor finds ``comment``."""
    earlier = roots_before(comment.article_slug, comment.root_id, own_ids)
    return earlier // current_app.config["WARTA_COMMENTS_PER_PAGE"] + 1


def page_number(raw: str | None) -> int:
    """A page number from the query string, or 404 for anything that is not one."""
    if raw is None:
        return 1
    page = parse_number(raw)
    if page is None or not 1 <= page <= MAX_PAGE:
        abort(404)
    return page


def find_parent(slug: str, comment_id: int | None) -> Comment | None:
    """An approved comment of this article that can be replied to, or None."""
    if comment_id is None:
        return None
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_slug != slug or comment.status != Status.APPROVED:
        return None
    return comment


def reply_view(comment: Comment | None) -> CommentView | None:
    """The comment being replied to, as the form shows it."""
    return comment and present(comment, current_app.config["WARTA_THREAD_DEPTH"])


def visible_count(slug: str, own_ids: set[int]) -> int:
    """How many comments this visitor sees: the approved ones and their own held ones."""
    own_waiting = waiting_among(slug, own_ids) if own_ids else 0
    return approved_count(slug) + own_waiting


def waiting_among(slug: str, ids: set[int]) -> int:
    """How many of these comments of an article are not (or not yet) approved."""
    return db.session.execute(OWN_WAITING, {"ids": list(ids), "slug": slug}).scalar_one()
