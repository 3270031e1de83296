"""The discussion under an article, read from the database: threads, counts, replies.
Functions here take what they need to know of the visitor (their own comment ids) as
values; the session is ``visitor``'s business."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime

from flask import abort, current_app
from sqlalchemy import Integer, func, literal, select, tuple_

from .cache import article_version, renders
from .extensions import db
from .models import OWN_WAITING, Comment, Status, approved_count, comments
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


def page_starts(slug: str) -> list[tuple[datetime, int]]:
    """Where each page of threads begins: the (time, id) of every ``per_page``-th approved
    top-level comment, oldest first, computed once per discussion version. Any page is
    then read by its range of keys, at the same cost however deep it is."""
    key = ("page-starts", slug, article_version(slug))
    found = renders().get(key)
    if found is None:
        per_page = current_app.config["WARTA_COMMENTS_PER_PAGE"]
        position = func.row_number().over(order_by=(Comment.created_at, Comment.id)) - 1
        ranked = (
            select(Comment.created_at, Comment.id, position.label("position"))
            .where(
                Comment.article_slug == slug,
                Comment.status == Status.APPROVED,
                Comment.parent_id.is_(None),
            )
            .subquery()
        )
        rows = db.session.execute(
            select(ranked.c.created_at, ranked.c.id)
            .where(ranked.c.position % per_page == 0)
            .order_by(ranked.c.position)
        )
        found = [(created, comment_id) for created, comment_id in rows]
        renders().put(key, found)
    return found


def comment_key(created_at: datetime, comment_id: int):
    """A (time, id) pair to compare ``Comment``'s keys with, typed as its columns."""
    return tuple_(literal(created_at, Comment.created_at.type), literal(comment_id, Integer))


def page_count(slug: str) -> int:
    return max(len(page_starts(slug)), 1)


def page_of_roots(slug: str, page: int, extra: set[int]) -> tuple[list[Comment], bool]:
    """The top-level comments on one page, oldest first, and whether more follow: the
    approved ones whose keys fall in the page's range, and those among ``extra`` (the
    visitor's own, placeholders) that fall in it too. 404 past the last page."""
    starts = page_starts(slug)
    if page > page_count(slug):
        abort(404)
    lower = starts[page - 1] if page > 1 else None
    upper = starts[page] if page < len(starts) else None
    keys = tuple_(Comment.created_at, Comment.id)
    in_range = [keys >= comment_key(*lower)] if lower else []
    in_range += [keys < comment_key(*upper)] if upper else []
    roots = list(
        db.session.scalars(
            select(Comment)
            .where(
                Comment.article_slug == slug,
                Comment.status == Status.APPROVED,
                Comment.parent_id.is_(None),
                *in_range,
            )
            .order_by(Comment.created_at, Comment.id)
        )
    )
    if extra:
        roots += [
            comment
            for comment in db.session.scalars(select(Comment).where(Comment.id.in_(extra)))
            if comment.article_slug == slug
            and comment.parent_id is None
            and comment.status != Status.APPROVED
            and (lower is None or (comment.created_at, comment.id) >= lower)
            and (upper is None or (comment.created_at, comment.id) < upper)
        ]
        roots.sort(key=lambda comment: (comment.created_at, comment.id))
    return roots, upper is not None


def page_of_threads(slug: str, page: int, own_ids: set[int]) -> tuple[list[CommentView], bool]:
    """The threads on one page of comments as this visitor sees them, and whether more
    pages follow."""
    roots, has_more = page_of_roots(slug, page, extra_roots(slug, own_ids))
    replies = []
    if roots:
        replies = db.session.scalars(
            select(Comment)
            .where(Comment.thread_id.in_([r.id for r in roots]))
            .order_by(Comment.created_at, Comment.id)
        ).all()
    threads = build_threads([*roots, *replies], own_ids, current_app.config["WARTA_THREAD_DEPTH"])
    return threads, has_more


def page_of(comment: Comment) -> int:
    """The page of threads on which ``comment`` is found."""
    root = comment if comment.parent_id is None else db.session.get(Comment, comment.root_id)
    return max(bisect_right(page_starts(comment.article_slug), (root.created_at, root.id)), 1)


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
