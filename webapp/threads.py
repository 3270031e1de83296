"""Comments as readers see them: threaded view models that never carry an email."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from .models import Comment, Status
from .policy import can_reply
from .text import render_comment


@dataclass
class CommentView:
    id: int
    parent_id: int | None
    depth: int
    author: str
    url: str
    body_html: Markup
    created_at: datetime
    awaiting_moderation: bool = False
    removed: bool = False  # a placeholder kept so that its approved replies still read
    edited: bool = False  # changed by its author after posting
    can_reply: bool = False
    children: list[CommentView] = field(default_factory=list)


def safe_url(url: str) -> str:
    """A website to link to: http(s) only, whatever found its way into the database."""
    return url if url.lower().startswith(("http://", "https://")) else ""


def present(comment: Comment, max_depth: int, own: bool = False) -> CommentView:
    """The public face of one comment (the author's own held comment included)."""
    return CommentView(
        id=comment.id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        author=comment.author,
        url=safe_url(comment.url),
        body_html=render_comment(comment.body),
        created_at=comment.created_at,
        awaiting_moderation=own and comment.status != Status.APPROVED,
        edited=comment.edited_at is not None,
        can_reply=comment.status == Status.APPROVED and can_reply(comment.depth, max_depth),
    )


def placeholder(comment: Comment) -> CommentView:
    """A removed comment that still has approved replies: no author, no text."""
    return CommentView(
        id=comment.id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        author="",
        url="",
        body_html=Markup(""),
        created_at=comment.created_at,
        removed=True,
    )


def build_threads(
    comments: Iterable[Comment], own_ids: set[int], max_depth: int
) -> list[CommentView]:
    """Arrange comments (oldest first) into threads of what this visitor may see.

    Approved comments and the visitor's own held ones are shown; a comment that is
    neither but has a shown reply becomes a placeholder; the rest is left out."""
    comments = list(comments)
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        children.setdefault(comment.parent_id, []).append(comment)

    def visible(comment: Comment) -> bool:
        return comment.status == Status.APPROVED or comment.id in own_ids

    def build(comment: Comment) -> CommentView | None:
        kids = [view for c in children.get(comment.id, []) if (view := build(c))]
        if visible(comment):
            view = present(comment, max_depth, own=comment.id in own_ids)
        elif kids:
            view = placeholder(comment)
        else:
            return None
        view.children = kids
        return view

    known = {c.id for c in comments}
    roots = [c for c in comments if c.parent_id is None or c.parent_id not in known]
    return [view for root in roots if (view := build(root))]
